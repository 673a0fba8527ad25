using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Grains.Node;

namespace Vault.Silo.Hosting;

/// <summary>
/// The node's readiness checks, served with the gateway's at /health/ready (GatewaySurface).
/// /health/live: the process answers. /health/ready: every component below is healthy (else 503),
/// with a JSON body naming each component, its status and why:
/// storage (the data and pack directories take a write), disk (free space above
/// Vault:Health:MinFreeBytes), silo (this silo is an active cluster member), repository (the
/// repository's config, keys and pack store are in place and the keys are loaded).
/// </summary>
public static class VaultHealth
{
    public static IServiceCollection AddVaultHealth(this IServiceCollection services, VaultNode node)
    {
        services.AddHealthChecks()
            .AddCheck("storage", () => StorageWritable(node), tags: ["ready"])
            .AddCheck<FreeDiskCheck>("disk", tags: ["ready"])
            .AddCheck<SiloActiveCheck>("silo", tags: ["ready"])
            .AddCheck("repository", () => RepositoryOpen(node), tags: ["ready"]);
        return services;
    }

    private static HealthCheckResult StorageWritable(VaultNode node)
    {
        // A real create + write + delete: what a backup does first. Permission bits alone would
        // not tell (root ignores them); a read-only or full file system fails here.
        foreach (var dir in new[] { node.DataDir, node.Packs.Root })
        {
            var probe = Path.Combine(dir, ".health-probe");
            try
            {
                File.WriteAllText(probe, "ok");
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return HealthCheckResult.Unhealthy($"{dir} is not writable: {e.Message}");
            }
        }

        return HealthCheckResult.Healthy($"{node.DataDir} is writable");
    }

    private static HealthCheckResult RepositoryOpen(VaultNode node)
    {
        var repo = Path.Combine(node.DataDir, "repo");
        var missing = new[] { Path.Combine(repo, "config.json"), Path.Combine(repo, "keys") }
            .Where(p => !File.Exists(p) && !Directory.Exists(p))
            .Append(Directory.Exists(node.Packs.Root) ? null : node.Packs.Root)
            .OfType<string>()
            .ToList();
        return missing.Count == 0
            ? HealthCheckResult.Healthy($"repository {node.Config.RepositoryId} is open")
            : HealthCheckResult.Unhealthy($"repository {node.Config.RepositoryId} is missing {string.Join(", ", missing)}");
    }

    private sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var active = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Active;
            return Task.FromResult(active
                ? HealthCheckResult.Healthy($"silo {silo.Name} is active")
                : HealthCheckResult.Unhealthy($"silo {silo.Name} is not active yet"));
        }
    }

    private sealed class FreeDiskCheck(VaultNode node, HealthOptions options) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var free = new DriveInfo(node.DataDir).AvailableFreeSpace;
            var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = options.MinFreeBytes };
            return Task.FromResult(free >= options.MinFreeBytes
                ? HealthCheckResult.Healthy($"{free} bytes free on {node.DataDir}", data)
                : HealthCheckResult.Unhealthy($"{free} bytes free on {node.DataDir}; Vault:Health:MinFreeBytes is {options.MinFreeBytes}", data: data));
        }
    }
}
