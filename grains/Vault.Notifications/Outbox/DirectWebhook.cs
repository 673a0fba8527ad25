namespace Vault.Notifications;

/// <summary>
/// A delivery to a webhook that is not a configured channel: the failover controller's per-service webhooks
/// (Vault:Failover:Services:&lt;name&gt;:Webhooks). The body is fixed when the delivery is queued and signed at
/// each attempt over the body alone ("sha256=" + hex HMAC), as those receivers have always verified;
/// <see cref="DeliveryId"/> is their X-Vault-Delivery (service-epoch-event). The secret is read at each attempt.
/// </summary>
public sealed record DirectWebhook(string Url, string? SecretFile, string? SecretEnv, string Body, string DeliveryId);
