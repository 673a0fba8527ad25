using Vault.Grains.Retention;

namespace Vault.Silo.Hosting;

public sealed partial class NodeOptions
{
    /// <summary>Garbage collection and backup leases (Vault:Gc).</summary>
    public GcSection Gc { get; set; } = new();

    public sealed class GcSection
    {
        /// <summary>A pack is rewritten when at least this fraction of its bytes is unreferenced.</summary>
        public double RepackThreshold { get; set; } = 0.5;

        /// <summary>How long deleted packs stay in the trash, readable and recoverable.</summary>
        public double TrashDelaySeconds { get; set; } = 24 * 3600;

        /// <summary>How long a backup's lease lasts without renewal.</summary>
        public double LeaseSeconds { get; set; } = 600;

        /// <summary>Packs younger than this (before GC's capture) are left for the next run; default 0 embedded, 120 in a cluster (clock differences).</summary>
        public double? PackAgeMarginSeconds { get; set; }

        /// <summary>How long GC keeps the checkpointed packs of a backup that never committed, from its last checkpoint.</summary>
        public double CheckpointKeepSeconds { get; set; } = 7 * 86400;
    }

    public RetentionSettings ToRetentionSettings() => new()
    {
        RepackThreshold = Gc.RepackThreshold,
        TrashDelay = TimeSpan.FromSeconds(Gc.TrashDelaySeconds),
        LeaseDuration = TimeSpan.FromSeconds(Gc.LeaseSeconds),
        PackAgeMargin = TimeSpan.FromSeconds(Gc.PackAgeMarginSeconds ?? (Cluster.IsCluster ? 120 : 0)),
        CheckpointKeep = TimeSpan.FromSeconds(double.IsFinite(Gc.CheckpointKeepSeconds) ? Gc.CheckpointKeepSeconds : 0),
    };

    private IEnumerable<string> ValidateGc()
    {
        const string key = Section + ":Gc";
        if (double.IsNaN(Gc.RepackThreshold) || Gc.RepackThreshold is <= 0 or > 1)
        {
            yield return $"{key}:RepackThreshold is {Gc.RepackThreshold}; must be above 0 and at most 1 (fraction of unreferenced bytes)";
        }

        if (double.IsNaN(Gc.TrashDelaySeconds) || Gc.TrashDelaySeconds is < 0 or > 365 * 86400)
        {
            yield return $"{key}:TrashDelaySeconds is {Gc.TrashDelaySeconds}; must be between 0 and 31536000 (a year)";
        }

        if (double.IsNaN(Gc.LeaseSeconds) || Gc.LeaseSeconds is < 1 or > 86400)
        {
            yield return $"{key}:LeaseSeconds is {Gc.LeaseSeconds}; must be between 1 and 86400";
        }

        if (Gc.PackAgeMarginSeconds is { } m && (double.IsNaN(m) || m is < 0 or > 86400))
        {
            yield return $"{key}:PackAgeMarginSeconds is {m}; must be between 0 and 86400";
        }

        if (!double.IsFinite(Gc.CheckpointKeepSeconds) || Gc.CheckpointKeepSeconds is < 0 or > 365 * 86400)
        {
            yield return $"{key}:CheckpointKeepSeconds is {Gc.CheckpointKeepSeconds}; must be between 0 and 31536000 (a year)";
        }
    }
}
