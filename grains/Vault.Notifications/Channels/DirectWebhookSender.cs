using System.Text;

namespace Vault.Notifications;

/// <summary>Sends a <see cref="DirectWebhook"/> delivery: the stored body, signed over the body alone, with the answer mapped as for every HTTP channel.</summary>
public sealed class DirectWebhookSender(HttpClient http)
{
    /// <summary>The bound of one attempt (the failover webhooks' historical timeout).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<DeliveryResult> SendAsync(OutboxDelivery delivery, DirectWebhook hook, CancellationToken cancellationToken)
    {
        string secret;
        try
        {
            secret = ChannelSecret.Read(hook.SecretFile, hook.SecretEnv, $"signing secret of webhook {delivery.Channel}") ?? "";
        }
        catch (ChannelSetupException e)
        {
            return DeliveryResult.Retry(e.Message);
        }

        var body = Encoding.UTF8.GetBytes(hook.Body);
        var headers = new Dictionary<string, string>
        {
            [WebhookSignature.SignatureHeader] = WebhookSignature.Sign(Encoding.UTF8.GetBytes(secret), body),
            [WebhookChannel.EventHeader] = delivery.Event.Kind,
            [WebhookChannel.DeliveryHeader] = hook.DeliveryId,
        };
        return await HttpDelivery.PostAsync(http, new Uri(hook.Url), body, headers, Timeout, $"webhook {delivery.Channel}", cancellationToken).ConfigureAwait(false);
    }
}
