namespace Vault.Notifications;

/// <summary>One configured destination. Sends one delivery per call; never throws for a failed delivery (it returns the outcome).</summary>
public interface INotificationChannel
{
    string Name { get; }

    ChannelType Type { get; }

    Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken);
}
