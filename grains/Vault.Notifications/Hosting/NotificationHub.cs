using Microsoft.Extensions.Logging;

namespace Vault.Notifications;

/// <summary>
/// The sink every event source calls: it audits and counts the event, applies dedup/throttling, routes it,
/// and writes the resulting deliveries to the durable outbox before returning. Delivery is the
/// <see cref="OutboxDispatcher"/>'s job; the caller never waits on a channel.
/// </summary>
public sealed class NotificationHub : INotificationSink
{
    private readonly NotificationOptions _options;
    private readonly NotificationOutbox _outbox;
    private readonly NotificationContext _context;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NotificationRouter _router;

    public NotificationHub(NotificationOptions options, NotificationOutbox outbox, NotificationContext context, IEventRecorder recorder, TimeProvider time, ILogger<NotificationHub> logger)
    {
        _options = options;
        _outbox = outbox;
        _context = context;
        _recorder = recorder;
        _time = time;
        _logger = logger;
        _router = new NotificationRouter(options.Rules);
        NotificationMetrics.ObservePending(() => _outbox.Read(s => s.Pending.Count));
        if (outbox.SetAside is { } aside)
        {
            NotificationLog.OutboxSetAside(logger, aside);
        }
    }

    /// <summary>Raised after deliveries were added to the outbox (the dispatcher wakes on it).</summary>
    public event Action? Enqueued;

    public NotificationOptions Options => _options;

    public void Publish(VaultEvent notification)
    {
        var now = _time.GetUtcNow();
        var e = notification.At == default ? notification with { At = now } : notification;
        var (decision, targets) = _outbox.Change(state =>
        {
            state.Conditions.TryGetValue(e.ConditionKey, out var entry);
            var decision = NotificationThrottle.Decide(entry, e, now, _options.DedupWindow);
            if (decision.Action == ThrottleAction.Ignore)
            {
                return (decision, Targets: (IReadOnlyList<RouteTarget>)[]);
            }

            if (decision.Next is { } next)
            {
                state.Conditions[e.ConditionKey] = next;
            }
            else
            {
                state.Conditions.Remove(e.ConditionKey);
            }

            if (decision.Action == ThrottleAction.Suppress)
            {
                return (decision, Targets: (IReadOnlyList<RouteTarget>)[]);
            }

            var targets = _router.Route(e, decision.Severity, now);
            foreach (var target in targets)
            {
                state.Pending.Add(new OutboxDelivery(NewId(), target.Channel, e, decision.Severity, decision.SuppressedBefore, now, target.NotBefore));
            }

            return (decision, Targets: targets);
        }, r => r.decision.Action != ThrottleAction.Ignore);

        if (decision.Action == ThrottleAction.Ignore)
        {
            return;
        }

        NotificationMetrics.Event(e);
        if (decision.Action == ThrottleAction.Suppress)
        {
            NotificationMetrics.Suppress(e.Kind);
        }

        NotificationLog.Published(_logger, e.Kind, decision.Severity, e.Subject, e.Summary, decision.Action,
            targets.Count == 0 ? "no channel" : string.Join(", ", targets.Select(t => t.Channel)));
        _ = RecordAsync(e);
        if (targets.Count > 0)
        {
            Enqueued?.Invoke();
        }
    }

    /// <summary>Queues a test message for one channel, past rules, quiet hours and dedup. Throws for an unknown channel.</summary>
    public OutboxDelivery Test(string channel)
    {
        if (!_options.Channels.ContainsKey(channel))
        {
            throw new KeyNotFoundException($"no notification channel '{channel}' (the channels are: {string.Join(", ", _options.Channels.Keys.DefaultIfEmpty("none"))})");
        }

        var now = _time.GetUtcNow();
        var e = VaultEvent.Raise(EventKinds.Test, EventSeverity.Info, NotificationRouter.ChannelSubject(channel),
            $"Test message from node {_context.Node} to channel {channel}", at: now);
        var delivery = new OutboxDelivery(NewId(), channel, e, EventSeverity.Info, 0, now, now, Test: true);
        _outbox.Change(state =>
        {
            state.Pending.Add(delivery);
            return true;
        });
        Enqueued?.Invoke();
        return delivery;
    }

    /// <summary>
    /// Queues a delivery to a webhook that is not a configured channel (past rules, quiet hours and dedup: such a
    /// webhook receives every event its owner sends). Idempotent on <paramref name="id"/>: while a delivery with
    /// that id is pending, queueing it again returns it unchanged, so a repeated step does not send twice.
    /// </summary>
    public OutboxDelivery Enqueue(string id, string channel, VaultEvent notification, DirectWebhook webhook)
    {
        var now = _time.GetUtcNow();
        var e = notification.At == default ? notification with { At = now } : notification;
        var fresh = new OutboxDelivery(id, channel, e, e.Severity, 0, now, now, Webhook: webhook);
        var (delivery, added) = _outbox.Change(state =>
        {
            if (state.Pending.FirstOrDefault(p => p.Id == id) is { } pending)
            {
                return (pending, false);
            }

            state.Pending.Add(fresh);
            return (fresh, true);
        }, r => r.Item2);
        if (added)
        {
            Enqueued?.Invoke();
        }

        return delivery;
    }

    /// <summary>Where a delivery stands: "pending" (not yet tried), "retrying", "dead-lettered" or "delivered" (no longer in the outbox).</summary>
    public (string Outcome, int Attempts, string? Error) Outcome(string id) => _outbox.Read(s =>
        s.Pending.FirstOrDefault(d => d.Id == id) is { } p
            ? (p.Attempts == 0 ? "pending" : "retrying", p.Attempts, p.LastError)
            : s.DeadLetters.FirstOrDefault(d => d.Id == id) is { } dead
                ? ("dead-lettered", dead.Attempts, dead.LastError)
                : ("delivered", 1, (string?)null));

    public NotificationStatus Status() => _outbox.Read(state =>
    {
        var names = _options.Channels.Keys.Concat(state.Pending.Select(p => p.Channel)).Concat(state.DeadLetters.Select(p => p.Channel))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var channels = names.Select(name =>
        {
            var stats = state.Channels.GetValueOrDefault(name) ?? new ChannelStats();
            var pending = state.Pending.Where(p => p.Channel == name).ToList();
            return new ChannelStatus(name, _options.Channels.TryGetValue(name, out var c) ? c.Type?.ToString() ?? ""
                    : pending.Any(p => p.Webhook is not null) || state.DeadLetters.Any(d => d.Channel == name && d.Webhook is not null) ? nameof(ChannelType.Webhook) : "(removed)",
                pending.Count, state.DeadLetters.Count(d => d.Channel == name), stats.Delivered, stats.FailedAttempts,
                stats.LastError, stats.LastErrorAt, stats.LastDelivered, pending.Count == 0 ? null : pending.Min(p => p.NextAttempt));
        }).ToList();
        return new NotificationStatus(_context.Node, state.Pending.Count, state.DeadLetters.Count, state.DeadLettersDropped, channels,
            [.. state.Conditions.Values.Where(c => c.Active).OrderBy(c => c.LastSent)]);
    });

    private static string NewId() => Guid.CreateVersion7().ToString("N");

    private async Task RecordAsync(VaultEvent e)
    {
        try
        {
            await _recorder.RecordAsync(e, _context.Node, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            NotificationLog.AuditFailed(_logger, e.Kind, e.Subject, ex.Message);
        }
    }
}
