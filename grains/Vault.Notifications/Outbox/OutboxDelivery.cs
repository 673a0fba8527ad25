namespace Vault.Notifications;

/// <summary>
/// One event for one channel, as the outbox keeps it until it is delivered or dead-lettered. <see cref="Id"/>
/// is stable across retries and restarts (receivers de-duplicate on it: webhook X-Vault-Delivery).
/// <see cref="Webhook"/> is set for a delivery to a webhook that is not a configured channel (failover webhooks).
/// </summary>
public sealed record OutboxDelivery(
    string Id,
    string Channel,
    VaultEvent Event,
    EventSeverity Severity,
    int SuppressedRepeats,
    DateTimeOffset Created,
    DateTimeOffset NextAttempt,
    int Attempts = 0,
    string? LastError = null,
    DateTimeOffset? Finished = null,
    bool Test = false,
    DirectWebhook? Webhook = null);
