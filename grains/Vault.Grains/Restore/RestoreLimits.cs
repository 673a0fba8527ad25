namespace Vault.Grains.Restore;

/// <summary>
/// How much of a snapshot a restore holds in one batch (looked up, grouped by pack and written
/// together). Not configuration: the defaults are the production values; tests register smaller
/// ones so that trees of a few tens of MiB span several batches.
/// </summary>
public sealed record RestoreLimits
{
    public static RestoreLimits Default { get; } = new();

    /// <summary>A batch is flushed once its chunks add up to about this many bytes (estimated at 1 MiB a chunk).</summary>
    public long BatchBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>A batch is flushed once it holds this many chunks.</summary>
    public int BatchChunks { get; init; } = 65536;
}
