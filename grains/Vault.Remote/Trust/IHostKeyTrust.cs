namespace Vault.Remote.Trust;

/// <summary>
/// Shows and pins host keys. Pinning needs the fingerprint the operator expects (checked out of band); the key
/// offered must match it, or nothing is recorded. There is no "accept any key".
/// </summary>
public interface IHostKeyTrust
{
    /// <summary>The key the host offers now, and whether known_hosts pins it; nothing is written.</summary>
    Task<HostKeyOffer> ScanAsync(string host, CancellationToken cancellationToken = default);

    /// <summary>Pins the offered key in the host's known_hosts file when its fingerprint is <paramref name="expected"/>; replaces the keys pinned before.</summary>
    Task<HostTrustResult> TrustAsync(string host, HostFingerprint expected, CancellationToken cancellationToken = default);
}
