namespace Vault.Notifications;

/// <summary>
/// Where event sources hand their events: one call, no waiting on any channel. The event is audited,
/// counted, routed and, if a rule sends it anywhere, written to this node's durable outbox before the call returns.
/// </summary>
public interface INotificationSink
{
    void Publish(VaultEvent notification);
}
