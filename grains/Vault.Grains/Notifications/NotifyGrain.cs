using Orleans.Concurrency;
using Vault.Grains.Placement;
using Vault.Notifications;
using Vault.Notify;

namespace Vault.Grains.Notifications;

/// <summary>A node's notification outbox for the API: status, and a test message to one channel. Lives on that node.</summary>
[NodePlacement, Reentrant]
public sealed class NotifyGrain(NotificationHub hub, NotificationOutbox outbox, ILocalSiloDetails local, TimeProvider time) : Grain, INotifyGrain
{
    /// <summary>How long a test waits for its first outcome.</summary>
    public static readonly TimeSpan TestWait = TimeSpan.FromSeconds(20);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        return key == local.Name ? Task.CompletedTask : throw new InvalidOperationException($"NotifyGrain '{key}' activated on node '{local.Name}'");
    }

    public Task<NotifyStatusInfo> GetStatusAsync()
    {
        var s = hub.Status();
        return Task.FromResult(new NotifyStatusInfo(s.Node, s.Pending, s.DeadLettered, s.DeadLettersDropped,
            [.. s.Channels.Select(c => new NotifyChannelInfo(c.Name, c.Type, c.Pending, c.DeadLettered, c.Delivered, c.FailedAttempts, c.LastError, c.LastErrorAt, c.LastDelivered, c.NextAttempt))],
            [.. s.OpenConditions.Select(c => new NotifyConditionInfo(c.Kind, c.Subject, c.Severity.ToString().ToLowerInvariant(), c.LastSent, c.Suppressed))]));
    }

    public async Task<NotifyTestResult> TestAsync(string channel)
    {
        OutboxDelivery delivery;
        try
        {
            delivery = hub.Test(channel);
        }
        catch (KeyNotFoundException e)
        {
            throw new NotFoundException($"node '{local.Name}': {e.Message}");
        }

        var deadline = time.GetUtcNow() + TestWait;
        while (true)
        {
            var (outcome, attempts, error) = outbox.Read(s =>
                s.Pending.FirstOrDefault(d => d.Id == delivery.Id) is { } p
                    ? (p.Attempts == 0 ? "pending" : "retrying", p.Attempts, p.LastError)
                    : s.DeadLetters.FirstOrDefault(d => d.Id == delivery.Id) is { } dead
                        ? ("dead-lettered", dead.Attempts, dead.LastError)
                        : ("delivered", 1, null));
            if (outcome is "delivered" or "dead-lettered" || outcome == "retrying" || time.GetUtcNow() > deadline)
            {
                return new NotifyTestResult(local.Name, channel, delivery.Id, outcome, attempts, error);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time);
        }
    }
}
