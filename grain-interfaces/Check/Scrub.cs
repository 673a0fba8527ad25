using Vault.Storage;

namespace Vault.Check;

/// <summary>
/// A node's background verification of its own packs (scrubbing): how much of the store was
/// verified within the configured period, and the damaged copies it could not replace.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.scrub-status")]
public sealed record ScrubStatus(
    /// <summary>False when Vault:Scrub:Enabled is off (a pass can still be run on demand).</summary>
    bool Enabled,
    /// <summary>Fraction (0–1) of the node's packs verified within the period, as of <see cref="Surveyed"/>.</summary>
    double Coverage,
    DateTimeOffset? Surveyed,
    /// <summary>When the node last finished verifying every pack it holds; null before the first cycle ends.</summary>
    DateTimeOffset? LastCycleCompleted,
    /// <summary>Damaged local copies found since the data directory was created.</summary>
    long CorruptFound,
    /// <summary>Of those, copies replaced by a good copy from another node.</summary>
    long Repaired,
    /// <summary>Damaged local copies left in place because no good copy was found (the first 100).</summary>
    IReadOnlyList<PackId> Unrepaired);
