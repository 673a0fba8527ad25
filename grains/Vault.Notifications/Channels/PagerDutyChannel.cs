using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Vault.Notifications;

/// <summary>
/// PagerDuty Events API v2: a trigger per raised condition with dedup_key derived from kind and subject
/// (so repeats and retries fold into one incident), a resolve with the same key when it clears. Severity:
/// critical → critical, warning → warning, info → info. The routing key comes from SecretFile/SecretEnv.
/// </summary>
public sealed class PagerDutyChannel(string name, ChannelOptions options, HttpClient http, NotificationContext context) : INotificationChannel
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public string Name => name;

    public ChannelType Type => ChannelType.PagerDuty;

    /// <summary>"vault-" + hex of SHA-256(kind|subject), first 32 bytes: stable, at most 255 characters, no raw subject text.</summary>
    public static string DedupKey(VaultEvent e) => "vault-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(e.ConditionKey)));

    public static byte[] Payload(OutboxDelivery d, NotificationContext context, string routingKey)
    {
        if (d.Event.Resolves)
        {
            return JsonSerializer.SerializeToUtf8Bytes(new { routing_key = routingKey, event_action = "resolve", dedup_key = DedupKey(d.Event) }, Json);
        }

        var details = NotificationText.Facts(d, context).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            routing_key = routingKey,
            event_action = "trigger",
            dedup_key = DedupKey(d.Event),
            payload = new
            {
                summary = Clip($"{d.Event.Kind} {d.Event.Subject}: {d.Event.Summary}", 1024),
                source = context.Node,
                severity = d.Severity switch
                {
                    EventSeverity.Critical => "critical",
                    EventSeverity.Warning => "warning",
                    _ => "info",
                },
                timestamp = d.Event.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                component = d.Event.Subject,
                group = "vault",
                @class = d.Event.Kind,
                custom_details = details,
            },
            client = "Vault",
            client_url = context.StatusPageUrl,
            links = context.StatusPageUrl is { Length: > 0 } page ? new[] { new { href = page, text = "Vault status" } } : null,
        }, Json);
    }

    public async Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        string key;
        try
        {
            key = ChannelSecret.Read(options.SecretFile, options.SecretEnv, $"routing key of PagerDuty channel {name}") ?? "";
        }
        catch (ChannelSetupException e)
        {
            return DeliveryResult.Retry(e.Message);
        }

        var url = new Uri(string.IsNullOrEmpty(options.Url) ? NotificationSection.DefaultPagerDutyUrl : options.Url);
        return await HttpDelivery.PostAsync(http, url, Payload(delivery, context, key), [], options.Timeout, $"PagerDuty channel {name}", cancellationToken).ConfigureAwait(false);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
