namespace Vault.Remote.Trust;

/// <summary>The key now pinned for a host, and the fingerprints it replaced (empty for a first trust or when it was pinned already).</summary>
public sealed record HostTrustResult(HostKeyOffer Offer, IReadOnlyList<HostFingerprint> Replaced, bool AlreadyPinned);
