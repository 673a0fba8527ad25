using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Grains.Node;

namespace Vault.Silo.Hosting;

/// <summary>/health/live: the process answers. /health/ready: storage writable, the silo is serving.</summary>
public static class VaultHealth
{
    public static IServiceCollection AddVaultHealth(this IServiceCollection services, VaultNode node)
    {
        services.AddHealthChecks()
            .AddCheck("storage", () => StorageWritable(node), tags: ["ready"])
            .AddCheck<SiloActiveCheck>("silo", tags: ["ready"]);
        return services;
    }

    public static void MapVaultHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJsonAsync });
    }

    private static HealthCheckResult StorageWritable(VaultNode node)
    {
        var probe = Path.Combine(node.DataDir, ".health-probe");
        try
        {
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
            return HealthCheckResult.Healthy($"{node.DataDir} is writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"{node.DataDir} is not writable: {e.Message}");
        }
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
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
}
