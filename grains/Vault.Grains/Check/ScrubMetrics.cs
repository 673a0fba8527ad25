using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Vault.Check;
using Vault.Grains.Telemetry;

namespace Vault.Grains.Check;

/// <summary>
/// Scrubbing's instruments on the "Vault" meter. Counters as the scrubber goes; gauges read the
/// status each node's scrubber last published (no disk walk on a scrape).
/// </summary>
public static class ScrubMetrics
{
    private static readonly Counter<long> Packs = VaultMetrics.Meter.CreateCounter<long>("vault.scrub.checked.packs", null,
        "Local packs verified by scrubbing (hash, trailer and every blob).");
    private static readonly Counter<long> Bytes = VaultMetrics.Meter.CreateCounter<long>("vault.scrub.checked.bytes", "By",
        "Bytes of local packs verified by scrubbing.");
    private static readonly Counter<long> Corrupt = VaultMetrics.Meter.CreateCounter<long>("vault.scrub.corrupt.packs", null,
        "Damaged local pack copies found by scrubbing, by result: repaired (replaced by a good copy from another node) or unrepaired (left in place).");
    private static readonly ConcurrentDictionary<string, ScrubStatus> Nodes = new(StringComparer.Ordinal);

    static ScrubMetrics()
    {
        VaultMetrics.Meter.CreateObservableGauge("vault.scrub.coverage.ratio",
            () => Nodes.Select(n => new Measurement<double>(n.Value.Coverage, Node(n.Key))), null,
            "Fraction (0-1) of this node's packs verified by scrubbing within Vault:Scrub:Period.");
        VaultMetrics.Meter.CreateObservableGauge("vault.scrub.unrepaired.packs",
            () => Nodes.Select(n => new Measurement<long>(n.Value.Unrepaired.Count, Node(n.Key))), null,
            "Damaged local pack copies scrubbing left in place because no good copy was found (up to 100).");
        VaultMetrics.Meter.CreateObservableGauge("vault.scrub.last.cycle.timestamp",
            () => Nodes.Where(n => n.Value.LastCycleCompleted is not null)
                .Select(n => new Measurement<double>(n.Value.LastCycleCompleted!.Value.ToUnixTimeMilliseconds() / 1000.0, Node(n.Key))), "s",
            "Unix time at which scrubbing last finished verifying every pack of this node.");
    }

    public static void Verified(string node, long bytes)
    {
        Packs.Add(1, Node(node));
        Bytes.Add(bytes, Node(node));
    }

    public static void Damaged(string node, bool repaired) =>
        Corrupt.Add(1, new KeyValuePair<string, object?>("result", repaired ? "repaired" : "unrepaired"), Node(node));

    /// <summary>Publishes a node's status for the gauges; the handle removes it (silo stop).</summary>
    public static IDisposable Publish(string node, ScrubStatus status)
    {
        Nodes[node] = status;
        return new Unpublish(node);
    }

    private static KeyValuePair<string, object?> Node(string node) => new("node", node);

    private sealed class Unpublish(string node) : IDisposable
    {
        public void Dispose() => Nodes.TryRemove(node, out _);
    }
}
