using Vault.Notifications;

namespace Vault.Silo.Hosting;

/// <summary>Vault:Notifications on the node: bound strictly and validated at start; the outbox lives under the data directory.</summary>
public static class NotificationHosting
{
    public static NotificationOptions Bind(IConfiguration configuration)
    {
        try
        {
            return NotificationSection.Bind(configuration);
        }
        catch (NotificationConfigurationException e)
        {
            throw new StartupException(e.Message);
        }
    }

    public static IServiceCollection AddVaultNodeNotifications(this IServiceCollection services, NotificationOptions notifications, NodeOptions options)
    {
        services.AddVaultNotifications(notifications, options.NodeId, NotificationServiceExtensions.OutboxDirectory(options.DataDir));
        services.AddHostedService<Vault.Grains.Notifications.ApiKeyExpiryWatch>();
        return services;
    }
}
