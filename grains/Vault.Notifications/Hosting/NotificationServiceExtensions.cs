using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Vault.Notifications;

public static class NotificationServiceExtensions
{
    /// <summary>The directory under a node's data directory that holds its outbox.</summary>
    public static string OutboxDirectory(string dataDir) => Path.Combine(dataDir, "notifications");

    /// <summary>
    /// Notifications of this node: the hub (also as <see cref="INotificationSink"/>), the outbox under
    /// <paramref name="outboxDirectory"/> (null: in memory), the configured channels and the dispatcher.
    /// Needs an <see cref="IEventRecorder"/> (the audit log) registered by the host.
    /// </summary>
    public static IServiceCollection AddVaultNotifications(this IServiceCollection services, NotificationOptions options, string node, string? outboxDirectory)
    {
        // No request logging: a Slack webhook URL is a credential, and the handlers would log it.
        services.AddHttpClient(ChannelFactory.HttpClientName).RemoveAllLoggers();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(new NotificationContext(node, options.StatusPageUrl));
        services.AddSingleton(_ => NotificationOutbox.Open(outboxDirectory));
        services.AddSingleton<NotificationHub>();
        services.RemoveAll<INotificationSink>();
        services.AddSingleton<INotificationSink>(sp => sp.GetRequiredService<NotificationHub>());
        foreach (var (name, channel) in options.Channels)
        {
            services.AddSingleton(sp => ChannelFactory.Create(name, channel,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(ChannelFactory.HttpClientName),
                sp.GetRequiredService<NotificationContext>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton(sp => new OutboxDispatcher(sp.GetRequiredService<NotificationOutbox>(), sp.GetServices<INotificationChannel>(),
            sp.GetRequiredService<NotificationHub>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OutboxDispatcher>>(),
            http: sp.GetRequiredService<IHttpClientFactory>().CreateClient(ChannelFactory.HttpClientName)));
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.TryAddSingleton<ICertificateSource>(sp => new ConfigurationCertificates(sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()));
        services.AddSingleton<CertificateWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateWatch>());
        return services;
    }
}
