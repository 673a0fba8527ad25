using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vault.Gateway;

/// <summary>Ready when the cluster answers within <see cref="Timeout"/> and has at least one active silo.</summary>
public sealed class ClusterReadinessCheck(IClusterProbe probe) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var active = await probe.CountActiveSilosAsync(timeout.Token);
            return active > 0
                ? HealthCheckResult.Healthy($"{active} active silo(s) answer")
                : HealthCheckResult.Unhealthy("the cluster has no active silo");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any failure to get an answer (no gateway, timeout, rejected message) means: not ready.
            return HealthCheckResult.Unhealthy($"the cluster does not answer: {(e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message)}");
        }
    }
}
