namespace Vault.Grains.Backup;

/// <summary>
/// How often a running backup checkpoints (Vault:Checkpoint, see docs/operations.md, "Resumable
/// backups"): its durable packs and the index entries pointing into them are persisted and
/// recorded, so a crash or a cancellation costs at most the work since the last checkpoint.
/// </summary>
public sealed record IngestSettings
{
    public static IngestSettings Default { get; } = new();

    /// <summary>A checkpoint is taken once this many pack bytes were stored since the last one.</summary>
    public long CheckpointBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>... or once this much time passed since the last one and a pack was stored meanwhile.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The rule each value must follow, or null when the settings are valid.</summary>
    public IEnumerable<string> Validate(string section)
    {
        if (CheckpointBytes is < 16L * 1024 * 1024 or > 64L * 1024 * 1024 * 1024)
        {
            yield return $"{section}:Bytes is {CheckpointBytes}; must be between 16777216 (16 MiB, one pack) and 68719476736 (64 GiB)";
        }

        if (CheckpointInterval < TimeSpan.FromSeconds(1) || CheckpointInterval > TimeSpan.FromHours(1))
        {
            yield return $"{section}:Seconds is {CheckpointInterval.TotalSeconds}; must be between 1 and 3600";
        }
    }
}
