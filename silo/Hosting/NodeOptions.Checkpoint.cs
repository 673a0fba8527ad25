using Vault.Grains.Backup;

namespace Vault.Silo.Hosting;

public sealed partial class NodeOptions
{
    /// <summary>Checkpoints of running backups (Vault:Checkpoint; docs/operations.md, "Resumable backups").</summary>
    public CheckpointSection Checkpoint { get; set; } = new();

    public sealed class CheckpointSection
    {
        /// <summary>A checkpoint once this many pack bytes were stored since the last one.</summary>
        public long Bytes { get; set; } = IngestSettings.Default.CheckpointBytes;

        /// <summary>... or once this many seconds passed since the last one (and a pack was stored).</summary>
        public double Seconds { get; set; } = IngestSettings.Default.CheckpointInterval.TotalSeconds;
    }

    public IngestSettings ToIngestSettings() => new()
    {
        CheckpointBytes = Checkpoint.Bytes,
        CheckpointInterval = TimeSpan.FromSeconds(double.IsFinite(Checkpoint.Seconds) ? Checkpoint.Seconds : 0),
    };

    private IEnumerable<string> ValidateCheckpoint()
    {
        const string key = Section + ":Checkpoint";
        if (!double.IsFinite(Checkpoint.Seconds))
        {
            return [$"{key}:Seconds is {Checkpoint.Seconds}; must be between 1 and 3600"];
        }

        return ToIngestSettings().Validate(key);
    }
}
