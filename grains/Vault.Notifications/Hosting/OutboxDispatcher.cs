using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vault.Notifications;

/// <summary>
/// Delivers what is due in the outbox: each channel's deliveries in order, channels side by side. A failed
/// attempt is rescheduled with <see cref="RetryBackoff"/> (jittered; Retry-After honoured); after
/// MaxAttempts, or at once when the receiver rejects the message, it moves to the dead-letter list.
/// A channel that keeps failing raises channel.failing (sent to the other channels) and resolves it on its
/// next success. Waits on the earliest due time or a new delivery, through the TimeProvider.
/// </summary>
public sealed class OutboxDispatcher : BackgroundService
{
    /// <summary>Consecutive failed attempts after which a channel counts as failing.</summary>
    public const int FailingAfter = 3;

    private readonly NotificationOutbox _outbox;
    private readonly IReadOnlyDictionary<string, INotificationChannel> _channels;
    private readonly NotificationHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _jitter;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly DirectWebhookSender? _direct;

    public OutboxDispatcher(NotificationOutbox outbox, IEnumerable<INotificationChannel> channels, NotificationHub hub, TimeProvider time, ILogger<OutboxDispatcher> logger, Func<double>? jitter = null, HttpClient? http = null)
    {
        _direct = http is null ? null : new DirectWebhookSender(http);
        _outbox = outbox;
        _channels = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _hub = hub;
        _time = time;
        _logger = logger;
        _jitter = jitter ?? Random.Shared.NextDouble;
        hub.Enqueued += () =>
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        };
    }

    private NotificationOptions Options => _hub.Options;

    /// <summary>Sends every delivery due now; returns how many attempts were made.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var due = _outbox.Read(s => s.Pending.Where(d => d.NextAttempt <= now).OrderBy(d => d.Created).ThenBy(d => d.Id, StringComparer.Ordinal).ToList());
        var counts = await Task.WhenAll(due.GroupBy(d => d.Channel, StringComparer.Ordinal).Select(g => RunChannelAsync(g.Key, g.ToList(), cancellationToken))).ConfigureAwait(false);
        return counts.Sum();
    }

    /// <summary>The earliest time a pending delivery is due, or null when the outbox is empty.</summary>
    public DateTimeOffset? NextDue() => _outbox.Read(s => s.Pending.Count == 0 ? (DateTimeOffset?)null : s.Pending.Min(d => d.NextAttempt));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunDueAsync(stoppingToken).ConfigureAwait(false);
                var next = NextDue();
                var wait = next is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
                if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.Zero)
                {
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var delay = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, stop.Token) : Task.Delay(wait, _time, stop.Token);
                    await Task.WhenAny(delay, _wake.WaitAsync(stop.Token)).ConfigureAwait(false);
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                NotificationLog.DispatcherFailed(_logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RunChannelAsync(string name, List<OutboxDelivery> due, CancellationToken cancellationToken)
    {
        var attempts = 0;
        foreach (var delivery in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = delivery.Webhook is { } hook
                ? _direct is null
                    ? DeliveryResult.Retry($"webhook {name}: this node has no HTTP client for webhooks")
                    : await _direct.SendAsync(delivery, hook, cancellationToken).ConfigureAwait(false)
                : _channels.TryGetValue(name, out var channel)
                    ? await channel.SendAsync(delivery, cancellationToken).ConfigureAwait(false)
                    : DeliveryResult.Reject($"channel {name} is no longer configured on this node");
            attempts++;
            Apply(delivery, result);
            if (result.Outcome == DeliveryOutcome.Retry)
            {
                // The channel is down or throttling: the rest of its queue waits for the next round, in order.
                break;
            }
        }

        return attempts;
    }

    private void Apply(OutboxDelivery delivery, DeliveryResult result)
    {
        var now = _time.GetUtcNow();
        var attempt = delivery.Attempts + 1;
        var (raiseFailing, resolveFailing, next, dead) = _outbox.Change(state =>
        {
            var index = state.Pending.FindIndex(d => d.Id == delivery.Id);
            var stats = state.Channels.GetValueOrDefault(delivery.Channel) ?? new ChannelStats();
            if (index < 0)
            {
                return (false, false, (DateTimeOffset?)null, false);
            }

            if (result.Outcome == DeliveryOutcome.Delivered)
            {
                state.Pending.RemoveAt(index);
                state.Channels[delivery.Channel] = stats with { Delivered = stats.Delivered + 1, LastDelivered = now, Failing = false };
                return (false, stats.Failing, null, false);
            }

            var error = result.Error ?? "unknown error";
            var failedBefore = stats.Failing;
            var isDead = result.Outcome == DeliveryOutcome.Rejected || attempt >= Options.MaxAttempts;
            var failing = failedBefore || isDead || attempt >= FailingAfter;
            stats = stats with { FailedAttempts = stats.FailedAttempts + 1, LastError = error, LastErrorAt = now, Failing = failing };
            if (isDead)
            {
                state.Pending.RemoveAt(index);
                state.DeadLetters.Add(delivery with { Attempts = attempt, LastError = error, Finished = now });
                stats = stats with { DeadLettered = stats.DeadLettered + 1 };
                var over = state.DeadLetters.Count - Options.DeadLetterCapacity;
                if (over > 0)
                {
                    state.DeadLetters.RemoveRange(0, over);
                    state.DeadLettersDropped += over;
                }

                state.Channels[delivery.Channel] = stats;
                return (failing && !failedBefore, false, null, true);
            }

            var at = now + RetryBackoff.Delay(attempt, Options.InitialBackoff, Options.MaxBackoff, _jitter(), result.RetryAfter);
            state.Pending[index] = delivery with { Attempts = attempt, LastError = error, NextAttempt = at };
            state.Channels[delivery.Channel] = stats;
            return (failing && !failedBefore, false, (DateTimeOffset?)at, false);
        });

        switch (result.Outcome)
        {
            case DeliveryOutcome.Delivered:
                NotificationMetrics.Attempt(delivery.Channel, "delivered");
                NotificationLog.Delivered(_logger, delivery.Id, delivery.Event.Kind, delivery.Event.Subject, delivery.Channel, attempt);
                break;
            case var _ when dead:
                NotificationMetrics.Attempt(delivery.Channel, "dead_lettered");
                NotificationLog.DeadLettered(_logger, delivery.Id, delivery.Event.Kind, delivery.Event.Subject, delivery.Channel, attempt, result.Error ?? "");
                break;
            default:
                NotificationMetrics.Attempt(delivery.Channel, result.Outcome == DeliveryOutcome.Rejected ? "rejected" : "retry");
                NotificationLog.Retrying(_logger, delivery.Id, delivery.Channel, attempt, result.Error ?? "", next ?? now);
                break;
        }

        var subject = NotificationRouter.ChannelSubject(delivery.Channel);
        if (raiseFailing)
        {
            _hub.Publish(VaultEvent.Raise(EventKinds.ChannelFailing, EventSeverity.Critical, subject,
                $"Notification channel {delivery.Channel} is failing: {result.Error}",
                new Dictionary<string, string> { ["channel"] = delivery.Channel, ["attempts"] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }
        else if (resolveFailing)
        {
            _hub.Publish(VaultEvent.Clear(EventKinds.ChannelFailing, subject, $"Notification channel {delivery.Channel} delivers again"));
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
