using System.Diagnostics.Metrics;

namespace Vault.ClusterTls;

/// <summary>
/// Cluster TLS instruments on the process-wide Meter("Vault"), exported as vault_cluster_tls_*. Labels are bounded:
/// direction (inbound: a peer connected to this node; outbound: this node connected to a peer) and outcome.
/// </summary>
public static class ClusterTlsMetrics
{
    public const string MeterName = "Vault";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("vault.cluster.tls.refused", null, "Cluster connections closed because the peer's certificate does not chain to a trusted CA, by direction.");
    private static readonly Counter<long> Reloads = Meter.CreateCounter<long>("vault.cluster.tls.reloads", null, "Reloads of the certificate and CA files after a change, by outcome (loaded, failed).");

    public static void Refuse(string direction) => Refused.Add(1, new KeyValuePair<string, object?>("direction", direction));

    public static void Reload(string outcome) => Reloads.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
