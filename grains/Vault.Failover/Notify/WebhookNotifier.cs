// Failover events to webhooks: a JSON body signed with HMAC-SHA256 (header
// X-Vault-Signature: sha256=<hex of HMAC(secret, body)>), retried with exponential backoff.
// Receivers verify the signature over the exact bytes and may de-duplicate on X-Vault-Delivery.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Notify;

public sealed record FailoverNotice(
    string Event,
    string Service,
    long Epoch,
    string? OldPrimary,
    string? NewPrimary,
    string Message,
    DateTimeOffset At);

public sealed class WebhookNotifier(IHttpClientFactory httpClients)
{
    public const string SignatureHeader = "X-Vault-Signature";
    public const string EventHeader = "X-Vault-Event";
    public const string DeliveryHeader = "X-Vault-Delivery";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>Delivers to every webhook; returns one line per failed webhook (empty = all delivered).</summary>
    public async Task<IReadOnlyList<string>> NotifyAsync(IReadOnlyList<WebhookSpec> hooks, FailoverNotice notice, int attempts, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(notice, _json);
        var delivery = $"{notice.Service}-{notice.Epoch}-{notice.Event}";
        var failures = await Task.WhenAll(hooks.Select(h => DeliverAsync(h, body, notice.Event, delivery, attempts, cancellationToken)));
        return failures.Where(f => f is not null).Select(f => f!).ToList();
    }

    public static string Sign(byte[] secret, ReadOnlySpan<byte> body) => Vault.Notifications.WebhookSignature.Sign(secret, body);

    private async Task<string?> DeliverAsync(WebhookSpec hook, byte[] body, string eventName, string delivery, int attempts, CancellationToken cancellationToken)
    {
        string? secret;
        try
        {
            secret = Secrets.Read(hook.Secret, $"secret of webhook {hook.Url}");
        }
        catch (FailoverStepException e)
        {
            return e.Message;
        }

        var signature = Sign(Encoding.UTF8.GetBytes(secret ?? ""), body);
        var client = httpClients.CreateClient("vault-failover-webhooks");
        client.Timeout = TimeSpan.FromSeconds(5);
        string last = "";
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = content };
                request.Headers.Add(SignatureHeader, signature);
                request.Headers.Add(EventHeader, eventName);
                request.Headers.Add(DeliveryHeader, delivery);
                using var response = await client.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            if (attempt < attempts)
            {
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }

        return $"webhook {hook.Url} failed after {attempts} attempts: {last}";
    }
}
