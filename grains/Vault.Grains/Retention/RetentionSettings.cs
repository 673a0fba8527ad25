namespace Vault.Grains.Retention;

/// <summary>Garbage collection and lease settings of a node (Vault:Gc:* in configuration).</summary>
public sealed record RetentionSettings
{
    /// <summary>How long a backup's lease lasts without renewal; a backup renews it at a third of this.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A pack is rewritten when at least this fraction of its bytes is unreferenced.</summary>
    public double RepackThreshold { get; init; } = 0.5;

    /// <summary>How long a pack stays in the trash (readable, recoverable) before it is deleted.</summary>
    public TimeSpan TrashDelay { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Packs written less than this before GC captured the running backups are left for the next run:
    /// covers clock differences between nodes (0 is safe on one node).
    /// </summary>
    public TimeSpan PackAgeMargin { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long GC keeps the checkpointed packs of a backup that never committed (crashed, cancelled),
    /// counted from its last checkpoint: the next backup of the same data resumes within this time.
    /// </summary>
    public TimeSpan CheckpointKeep { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often GC asks whether the backups it waits for have finished.</summary>
    public TimeSpan LeasePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
