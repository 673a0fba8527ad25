using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vault.Grains.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Fencing;
using Vault.Grains.Failover.Notify;
using Vault.Grains.Failover.Rejoin;
using Vault.Grains.Peers;

namespace Vault.Grains.Hosting;

public static class VaultFailoverExtensions
{
    /// <summary>
    /// Registers the failover controller's services on a silo: engine adapters, steps, webhooks,
    /// metrics, and this silo's observer probe with its routes ("host:port=host:port").
    /// </summary>
    public static ISiloBuilder AddVaultFailover(this ISiloBuilder silo, IEnumerable<string>? observerRoutes = null)
    {
        var services = silo.Services;
        services.AddSingleton(new ObserverRoutes(observerRoutes ?? []));
        services.AddSingleton<PostgresEngine>();
        services.AddSingleton<MySqlEngine>();
        services.AddSingleton<RedisEngine>();
        services.AddSingleton<ReplicationEngines>();
        services.AddSingleton<FailoverSteps>();
        services.AddSingleton<SshFence>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<Failover.Traffic.TrafficProviders>();
        services.AddSingleton<NodeShell>();
        services.AddSingleton<RejoinSteps>();
        services.AddSingleton<FailoverMetrics>();
        services.AddSingleton<NodeProbe>();
        services.AddSingleton<IObserverProbe>(sp => sp.GetRequiredService<NodeProbe>());
        services.AddSingleton<WebhookNotifier>();
        Notifications.NotificationDefaults.AddVaultNotificationDefaults(services);
        services.AddHttpClient();
        return silo;
    }
}
