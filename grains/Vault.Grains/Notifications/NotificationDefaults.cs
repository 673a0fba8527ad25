using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Vault.Notifications;

namespace Vault.Grains.Notifications;

public static class NotificationDefaults
{
    /// <summary>
    /// What event sources need when the host configured no notifications (test clusters, a silo without a
    /// Vault:Notifications section): the audit recorder and a hub with no channels (events are audited and
    /// counted, nothing is sent; deliveries to failover webhooks are still made). The silo's AddVaultNotifications replaces the hub.
    /// </summary>
    public static IServiceCollection AddVaultNotificationDefaults(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventRecorder, AuditEventRecorder>();
        services.TryAddSingleton(new NotificationOptions());
        services.TryAddSingleton(_ => NotificationOutbox.Open(null));
        services.TryAddSingleton(sp => new NotificationHub(sp.GetRequiredService<NotificationOptions>(), sp.GetRequiredService<NotificationOutbox>(), new NotificationContext(sp.GetRequiredService<ILocalSiloDetails>().Name, null),
            sp.GetRequiredService<IEventRecorder>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NotificationHub>>()));
        services.TryAddSingleton<INotificationSink>(sp => sp.GetRequiredService<NotificationHub>());
        services.TryAddSingleton<UnderReplicationWatch>();

        // A dispatcher even without channels: deliveries to webhooks that are not channels (failover webhooks) go through the outbox.
        services.AddHttpClient(ChannelFactory.HttpClientName).RemoveAllLoggers();
        services.TryAddSingleton(sp => new OutboxDispatcher(sp.GetRequiredService<NotificationOutbox>(), sp.GetServices<INotificationChannel>(),
            sp.GetRequiredService<NotificationHub>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OutboxDispatcher>>(),
            http: sp.GetRequiredService<IHttpClientFactory>().CreateClient(ChannelFactory.HttpClientName)));
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        return services;
    }
}
