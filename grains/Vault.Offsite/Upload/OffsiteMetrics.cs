using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Vault.Offsite.Upload;

/// <summary>The off-site instruments on the "Vault" meter (exported by the node's metrics endpoint).</summary>
public static class OffsiteMetrics
{
    public const string MeterName = "Vault";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, OffsiteTargetStatus> Last = new(StringComparer.Ordinal);
    private static readonly Counter<long> UploadedBytes = Meter.CreateCounter<long>("vault_offsite_uploaded_bytes", "By", "Bytes uploaded to off-site targets, by target");

    static OffsiteMetrics()
    {
        Meter.CreateObservableGauge("vault_offsite_pending_packs", () => Last.Values.Select(s => new Measurement<long>(s.PendingPacks, Tag(s))),
            description: "Packs queued for upload, by target");
        Meter.CreateObservableGauge("vault_offsite_pending_bytes", () => Last.Values.Select(s => new Measurement<long>(s.PendingBytes, Tag(s))),
            unit: "By", description: "Bytes of packs queued for upload, by target");
        Meter.CreateObservableGauge("vault_offsite_oldest_pending_seconds", () => Last.Values.Select(s => new Measurement<double>(s.OldestPendingAge.TotalSeconds, Tag(s))),
            unit: "s", description: "Age of the oldest queued upload, by target (0 when the queue is empty)");
    }

    public static void Uploaded(string target, long bytes) => UploadedBytes.Add(bytes, new KeyValuePair<string, object?>("target", target));

    public static void Report(OffsiteTargetStatus status) => Last[status.Target] = status;

    private static KeyValuePair<string, object?> Tag(OffsiteTargetStatus s) => new("target", s.Target);
}
