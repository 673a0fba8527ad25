using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vault.Notifications;

/// <summary>
/// Generic webhook: a JSON body (delivery id, kind, severity, subject, summary, details, status) signed
/// with HMAC-SHA256 over "&lt;timestamp&gt;.&lt;body&gt;" (<see cref="WebhookSignature"/>). Headers: X-Vault-Signature,
/// X-Vault-Timestamp, X-Vault-Event (the kind), X-Vault-Delivery (stable across retries: de-duplicate on it).
/// </summary>
public sealed class WebhookChannel(string name, ChannelOptions options, HttpClient http, NotificationContext context, TimeProvider time) : INotificationChannel
{
    public const string EventHeader = "X-Vault-Event";
    public const string DeliveryHeader = "X-Vault-Delivery";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name => name;

    public ChannelType Type => ChannelType.Webhook;

    public static byte[] Body(OutboxDelivery d, NotificationContext context) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        id = d.Id,
        kind = d.Event.Kind,
        status = d.Event.Resolves ? "resolved" : "triggered",
        severity = d.Severity.ToString().ToLowerInvariant(),
        subject = d.Event.Subject,
        summary = d.Event.Summary,
        details = d.Event.Details,
        node = context.Node,
        at = d.Event.At,
        suppressedRepeats = d.SuppressedRepeats,
        statusPage = context.StatusPageUrl,
    }, Json);

    public async Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        string secret;
        try
        {
            secret = ChannelSecret.Read(options.SecretFile, options.SecretEnv, $"signing secret of channel {name}") ?? "";
        }
        catch (ChannelSetupException e)
        {
            return DeliveryResult.Retry(e.Message);
        }

        var body = Body(delivery, context);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var headers = new Dictionary<string, string>
        {
            [WebhookSignature.SignatureHeader] = WebhookSignature.Sign(Encoding.UTF8.GetBytes(secret), timestamp, body),
            [WebhookSignature.TimestampHeader] = timestamp.ToString(CultureInfo.InvariantCulture),
            [EventHeader] = delivery.Event.Kind,
            [DeliveryHeader] = delivery.Id,
        };
        return await HttpDelivery.PostAsync(http, new Uri(options.Url!), body, headers, options.Timeout, $"webhook {name}", cancellationToken).ConfigureAwait(false);
    }
}
