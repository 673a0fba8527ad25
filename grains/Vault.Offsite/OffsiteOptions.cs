namespace Vault.Offsite;

/// <summary>The off-site copy: Vault:Offsite:… (targets, uploader limits, lag threshold, synchronous mode).</summary>
public sealed class OffsiteOptions
{
    public const string Section = "Vault:Offsite";

    /// <summary>Targets by name; every pack and metadata object goes to each of them.</summary>
    public Dictionary<string, OffsiteTargetOptions> Targets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Uploads in flight per target.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>Upload bandwidth per node in bytes per second over all targets; 0 = unlimited.</summary>
    public long MaxBytesPerSecond { get; set; }

    /// <summary>First retry delay after a failed upload; doubles per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The oldest pending upload older than this makes the target "lagging" (metric, event offsite.lagging).</summary>
    public TimeSpan LagThreshold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When true, a backup's commit waits until its packs and snapshot are in every target.</summary>
    public bool Required { get; set; }

    /// <summary>
    /// A target to rebuild the repository from when the node starts on a data directory without one
    /// (docs/offsite.md, recovery); needs the repository password. Empty: a new repository is created as usual.
    /// </summary>
    public string? RecoverFrom { get; set; }

    /// <summary>Every rule broken, each message naming the key, its value and the rule.</summary>
    public IEnumerable<string> Validate()
    {
        if (Concurrency is < 1 or > 64)
        {
            yield return $"{Section}:Concurrency is {Concurrency}; must be between 1 and 64";
        }

        if (MaxBytesPerSecond < 0)
        {
            yield return $"{Section}:MaxBytesPerSecond is {MaxBytesPerSecond}; must be 0 (unlimited) or positive";
        }

        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            yield return $"{Section}:RetryDelay is {RetryDelay} and MaxRetryDelay {MaxRetryDelay}; RetryDelay must be positive and at most MaxRetryDelay";
        }

        if (LagThreshold <= TimeSpan.Zero)
        {
            yield return $"{Section}:LagThreshold is {LagThreshold}; must be positive";
        }

        if (Required && Targets.Count == 0)
        {
            yield return $"{Section}:Required is true but {Section}:Targets is empty; name at least one target";
        }

        if (RecoverFrom is { Length: > 0 } from && !Targets.ContainsKey(from))
        {
            yield return $"{Section}:RecoverFrom is '{from}'; no such target in {Section}:Targets ({(Targets.Count == 0 ? "none" : string.Join(", ", Targets.Keys))})";
        }

        foreach (var (name, target) in Targets)
        {
            foreach (var error in OffsiteTargetValidator.Validate($"{Section}:Targets:{name}", target))
            {
                yield return error;
            }
        }
    }
}
