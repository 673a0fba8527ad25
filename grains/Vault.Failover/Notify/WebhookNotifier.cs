// Failover events to the service's own webhooks: a JSON body signed with HMAC-SHA256 (header
// X-Vault-Signature: sha256=<hex of HMAC(secret, body)>). The deliveries go through the node's durable
// notification outbox (retried with backoff and jitter, kept across a restart, dead-lettered after the
// maximum); receivers verify the signature over the exact bytes and de-duplicate on X-Vault-Delivery.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vault.Failover;
using Vault.Notifications;

namespace Vault.Grains.Failover.Notify;

public sealed record FailoverNotice(
    string Event,
    string Service,
    long Epoch,
    string? OldPrimary,
    string? NewPrimary,
    string Message,
    DateTimeOffset At);

public sealed class WebhookNotifier(NotificationHub hub, TimeProvider time)
{
    public const string SignatureHeader = "X-Vault-Signature";
    public const string EventHeader = "X-Vault-Event";
    public const string DeliveryHeader = "X-Vault-Delivery";

    /// <summary>The longest a caller waits for the first outcomes; the outbox keeps retrying after it returns.</summary>
    public static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>The outbox channel name of a service's webhook (shown by notify status).</summary>
    public static string ChannelOf(string service, int index) => string.Create(CultureInfo.InvariantCulture, $"failover:{service}:webhook{index}");

    /// <summary>
    /// Queues the notice for every webhook in the node's outbox, then waits for each to be delivered, dead-lettered
    /// or to have failed <paramref name="attempts"/> attempts (at most <see cref="OutcomeWait"/>). Returns one line
    /// per webhook not delivered (empty = all delivered); those stay queued and are retried. Queueing the same
    /// notice again while it is pending does not add a second delivery.
    /// </summary>
    public async Task<IReadOnlyList<string>> NotifyAsync(IReadOnlyList<WebhookSpec> hooks, FailoverNotice notice, int attempts, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(notice, _json));
        var delivery = $"{notice.Service}-{notice.Epoch}-{notice.Event}";
        var severity = notice.Event is "failover.completed" ? EventSeverity.Warning : EventSeverity.Critical;
        var queued = hooks.Select((hook, i) =>
        {
            var channel = ChannelOf(notice.Service, i);
            var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{delivery}|{i}|{hook.Url}")))[..32];
            hub.Enqueue(id, channel, VaultEvent.Raise(notice.Event, severity, "service:" + notice.Service, notice.Message, at: notice.At),
                new DirectWebhook(hook.Url, hook.Secret.File, hook.Secret.Env, body, delivery));
            return (Hook: hook, Id: id);
        }).ToList();

        var deadline = time.GetUtcNow() + OutcomeWait;
        while (true)
        {
            var outcomes = queued.Select(q => (q.Hook, Outcome: hub.Outcome(q.Id))).ToList();
            var waiting = outcomes.Any(o => o.Outcome.Outcome is "pending" or "retrying" && o.Outcome.Attempts < attempts);
            if (!waiting || time.GetUtcNow() >= deadline)
            {
                return outcomes.Where(o => o.Outcome.Outcome != "delivered")
                    .Select(o => $"webhook {o.Hook.Url} {(o.Outcome.Outcome == "dead-lettered" ? "failed for good" : "not delivered yet (queued, retrying)")} after {o.Outcome.Attempts} attempt(s): {o.Outcome.Error ?? "no answer yet"}")
                    .ToList();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }

    public static string Sign(byte[] secret, ReadOnlySpan<byte> body) => WebhookSignature.Sign(secret, body);
}
