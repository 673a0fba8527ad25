// Vault's own metrics: one Meter("Vault") for the whole process, instruments created once.
//
// Names follow Prometheus conventions once exported (the OpenTelemetry Prometheus exporter turns
// "vault.backup.bytes" with unit "By" into vault_backup_bytes_total): units in names, _total on
// counters. Labels are bounded: node (the cluster's node ids), result, kind, type — never a path,
// a snapshot id or a job id. Those belong in traces and logs.
//
// Observable gauges (storage, packs, snapshots, last backup) read only cached values that a
// NodeStatsSampler refreshes in the background, so a scrape never waits on a grain or a disk walk.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Vault.Peers;

namespace Vault.Grains.Telemetry;

public static class VaultMetrics
{
    public const string MeterName = "Vault";

    /// <summary>Seconds: a small backup takes a second, a first full one hours.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200];

    public static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Backups = Meter.CreateCounter<long>("vault.backups", null, "Backup jobs finished, by result (succeeded, failed, cancelled).");
    private static readonly Counter<long> Restores = Meter.CreateCounter<long>("vault.restores", null, "Restore jobs finished, by result (succeeded, failed, cancelled).");
    private static readonly Counter<long> BackupBytes = Meter.CreateCounter<long>("vault.backup.bytes", "By",
        "Backup bytes by kind: read (file bytes read), unchanged (skipped by metadata), new (raw bytes of new chunks), deduplicated (raw bytes of chunks already stored), stored (pack bytes written).");
    private static readonly Counter<long> BackupChunks = Meter.CreateCounter<long>("vault.backup.chunks", null, "Chunks and trees seen by backups, by kind (new, deduplicated).");
    private static readonly Counter<long> RestoreBytes = Meter.CreateCounter<long>("vault.restore.bytes", "By", "File bytes written by restores.");
    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("vault.errors", null, "Errors by type: backup_file, restore_file (per-file warnings) or the error of a failed job.");
    private static readonly Histogram<double> BackupDuration = Meter.CreateHistogram("vault.backup.duration", "s", "Duration of finished backup jobs.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    private static readonly Histogram<double> RestoreDuration = Meter.CreateHistogram("vault.restore.duration", "s", "Duration of finished restore jobs.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    private static readonly UpDownCounter<long> JobsRunning = Meter.CreateUpDownCounter<long>("vault.jobs.running", null, "Jobs running now, by kind.");

    private static readonly ConcurrentDictionary<string, NodeStats> Nodes = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<DateTimeOffset> RecentErrors = new();
    private static long _backupsSucceeded, _backupsFailed, _restoresSucceeded, _restoresFailed;
    private static long _bytesNew, _bytesDeduplicated, _bytesStored, _bytesRestored, _errors;
    private static volatile CatalogStats? _catalog;

    static VaultMetrics()
    {
        Meter.CreateObservableGauge("vault.storage.used", () => Nodes.Values.Select(n => new Measurement<long>(n.UsedBytes, Node(n.Node))), "By", "Bytes of pack files in this node's store.");
        Meter.CreateObservableGauge("vault.storage.free", () => Nodes.Values.Select(n => new Measurement<long>(n.FreeBytes, Node(n.Node))), "By", "Free bytes on the file system of this node's data directory.");
        Meter.CreateObservableGauge("vault.storage.capacity", () => Nodes.Values.Select(n => new Measurement<long>(n.CapacityBytes, Node(n.Node))), "By", "Size of the file system of this node's data directory.");
        Meter.CreateObservableGauge("vault.packs", () => Nodes.Values.Select(n => new Measurement<long>(n.Packs, Node(n.Node))), null, "Pack files in this node's store.");
        Meter.CreateObservableGauge("vault.snapshots", () => _catalog is { } c ? [new Measurement<long>(c.Snapshots)] : Array.Empty<Measurement<long>>(), null,
            "Committed snapshots in the cluster's catalog (sampled).");
        Meter.CreateObservableGauge("vault.last.backup.timestamp", LastBackups, "s", "Unix time of the newest committed snapshot of each node (sampled).");
    }

    /// <summary>The newest catalog sample, or null before the first one.</summary>
    public static CatalogStats? Catalog => _catalog;

    public static IReadOnlyCollection<NodeStats> NodeSamples => Nodes.Values.ToArray();

    public static MetricTotals Totals() => new(
        Interlocked.Read(ref _backupsSucceeded),
        Interlocked.Read(ref _backupsFailed),
        Interlocked.Read(ref _restoresSucceeded),
        Interlocked.Read(ref _restoresFailed),
        Interlocked.Read(ref _bytesNew),
        Interlocked.Read(ref _bytesDeduplicated),
        Interlocked.Read(ref _bytesStored),
        Interlocked.Read(ref _bytesRestored),
        Interlocked.Read(ref _errors));

    /// <summary>Errors counted since <paramref name="since"/> (at most the last hour is kept).</summary>
    public static int ErrorsSince(DateTimeOffset since) => RecentErrors.Count(t => t >= since);

    public static void JobStarted(JobKind kind, string node) => JobsRunning.Add(1, Kind(kind), Node(node));

    public static void JobFinished(JobKind kind, string node, JobState state, TimeSpan duration)
    {
        JobsRunning.Add(-1, Kind(kind), Node(node));
        var result = new KeyValuePair<string, object?>("result", state switch
        {
            JobState.Succeeded => "succeeded",
            JobState.Failed => "failed",
            _ => "cancelled",
        });
        if (kind is not (JobKind.Backup or JobKind.Restore))
        {
            return;
        }

        var restore = kind == JobKind.Restore;
        (restore ? Restores : Backups).Add(1, result, Node(node));
        (restore ? RestoreDuration : BackupDuration).Record(duration.TotalSeconds, result, Node(node));
        if (state is JobState.Succeeded or JobState.Failed)
        {
            if (restore)
            {
                Interlocked.Increment(ref state == JobState.Succeeded ? ref _restoresSucceeded : ref _restoresFailed);
            }
            else
            {
                Interlocked.Increment(ref state == JobState.Succeeded ? ref _backupsSucceeded : ref _backupsFailed);
            }
        }
    }

    /// <summary>Counts one error; <paramref name="type"/> must come from a small fixed set (a type name, never a message).</summary>
    public static void Error(string type, string node)
    {
        Errors.Add(1, new KeyValuePair<string, object?>("type", type), Node(node));
        Interlocked.Increment(ref _errors);
        var now = DateTimeOffset.UtcNow;
        RecentErrors.Enqueue(now);
        while (RecentErrors.TryPeek(out var oldest) && (oldest < now.AddHours(-1) || RecentErrors.Count > 100_000))
        {
            RecentErrors.TryDequeue(out _);
        }
    }

    /// <summary>The error type of a failed job: its exception's name in snake case, without "Exception".</summary>
    public static string ErrorType(Exception e)
    {
        var name = e.GetType().Name;
        if (name.EndsWith("Exception", StringComparison.Ordinal) && name.Length > "Exception".Length)
        {
            name = name[..^"Exception".Length];
        }

        var snake = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                snake.Append('_');
            }

            snake.Append(char.ToLowerInvariant(name[i]));
        }

        return snake.ToString();
    }

    public static void BackupBytesAdd(string kind, long bytes, string node)
    {
        BackupBytes.Add(bytes, new KeyValuePair<string, object?>("kind", kind), Node(node));
        switch (kind)
        {
            case "new":
                Interlocked.Add(ref _bytesNew, bytes);
                break;
            case "deduplicated":
                Interlocked.Add(ref _bytesDeduplicated, bytes);
                break;
            case "stored":
                Interlocked.Add(ref _bytesStored, bytes);
                break;
        }
    }

    public static void BackupChunk(bool isNew, string node) =>
        BackupChunks.Add(1, new KeyValuePair<string, object?>("kind", isNew ? "new" : "deduplicated"), Node(node));

    public static void RestoreBytesAdd(long bytes, string node)
    {
        RestoreBytes.Add(bytes, Node(node));
        Interlocked.Add(ref _bytesRestored, bytes);
    }

    /// <summary>Publishes a node's storage sample; the returned handle removes it (silo stop).</summary>
    public static IDisposable Publish(NodeStats stats)
    {
        Nodes[stats.Node] = stats;
        return new Unpublish(stats.Node);
    }

    public static void Publish(CatalogStats catalog) => _catalog = catalog;

    private static IEnumerable<Measurement<double>> LastBackups() =>
        _catalog is { } c
            ? c.LastBackup.Select(kv => new Measurement<double>(kv.Value.ToUnixTimeMilliseconds() / 1000.0, Node(kv.Key)))
            : [];

    private static KeyValuePair<string, object?> Node(string node) => new("node", node);

    private static KeyValuePair<string, object?> Kind(JobKind kind) => new("kind", kind.ToString().ToLowerInvariant());

    private sealed class Unpublish(string node) : IDisposable
    {
        public void Dispose() => Nodes.TryRemove(node, out _);
    }
}

/// <summary>One node's storage, as sampled.</summary>
public sealed record NodeStats(string Node, long Packs, long UsedBytes, long FreeBytes, long CapacityBytes, DateTimeOffset Sampled);

/// <summary>The snapshot catalog, as sampled: count and the newest snapshot time per node.</summary>
public sealed record CatalogStats(long Snapshots, IReadOnlyDictionary<string, DateTimeOffset> LastBackup, DateTimeOffset Sampled);

/// <summary>This process's totals since it started (for the summary endpoint).</summary>
public sealed record MetricTotals(
    long BackupsSucceeded,
    long BackupsFailed,
    long RestoresSucceeded,
    long RestoresFailed,
    long BytesNew,
    long BytesDeduplicated,
    long BytesStored,
    long BytesRestored,
    long Errors);

/// <summary>The "Vault" ActivitySource: spans around jobs and pack stores.</summary>
public static class VaultTracing
{
    public const string SourceName = "Vault";

    public static readonly ActivitySource Source = new(SourceName);
}
