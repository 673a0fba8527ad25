using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime;
using Vault.Schedules;

namespace Vault.Grains.Schedules;

/// <summary>
/// One schedule. A timer on the node's <see cref="TimeProvider"/> fires at the exact due time (or retry
/// time) and, while a job runs, polls it, each time through a wake-up call into the grain (so tests drive
/// schedules with a fake clock instead of waiting); an Orleans reminder ticking at the reminder service's minimum period re-activates the grain after
/// its silo restarts (or dies, in a cluster) and keeps it active, and the new activation re-arms the
/// timer, running at once a time it missed while down. Every change of state is written before the
/// timer is re-armed, so a crash repeats at most the attempt in progress.
/// </summary>
public sealed class ScheduleGrain(
    [PersistentState("schedule", VaultStorage.State)] IPersistentState<ScheduleState> store,
    IOptions<ReminderOptions> reminderOptions,
    Vault.Notifications.INotificationSink notifications,
    TimeProvider time,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IScheduleWakeGrain, IRemindable
{
    public const string ReminderName = "schedule";

    /// <summary>How often a followed job is polled.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Timers are armed at most this far ahead; the reminder's ticks re-arm them.</summary>
    private static readonly TimeSpan MaximumTimerDue = TimeSpan.FromHours(12);

    private ITimer? _timer;

    private string Name => this.GetPrimaryKeyString();

    private ScheduleState S => store.State;

    private ScheduleActions Actions => new(GrainFactory);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null)
        {
            await SyncReminderAsync();
            Arm();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public Task WakeAsync() => TickAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (S.Spec is null)
        {
            // Left behind by a schedule deleted while its silo was down.
            await SyncReminderAsync();
            return;
        }

        // Re-arming is idempotent, and recovers a timer lost to a failed state write.
        Arm();
    }

    public async Task<ScheduleInfo> PutAsync(ScheduleSpec spec)
    {
        spec = spec with { Name = Name };
        var errors = ScheduleSpecValidator.Validate(spec, $"schedule '{Name}': ");
        if (errors.Count > 0)
        {
            throw new InvalidRequestException(string.Join(Environment.NewLine, errors));
        }

        var now = time.GetUtcNow();
        var old = S.Spec;
        S.Spec = spec;
        if (old is null || old.Every != spec.Every || old.Cron != spec.Cron || old.Enabled != spec.Enabled)
        {
            S.Anchor = now;
            S.NextDue = ScheduleTimes.NextDue(spec, now, now);
        }

        if (!spec.Enabled && S.Following is null)
        {
            // A disabled schedule drops the retries it was waiting for.
            S.Attempt = 0;
            S.RetryAt = null;
        }

        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IScheduleRegistryGrain>(IScheduleRegistryGrain.Key).AddAsync(Name);
        await SyncReminderAsync();
        ScheduleLog.Set(logger, Name, spec.Kind, spec.Every?.ToString() ?? spec.Cron, S.NextDue);
        Arm();
        return Info();
    }

    public Task<ScheduleInfo> GetAsync() => Task.FromResult(Info());

    public Task<ScheduleInfo?> TryGetAsync() => Task.FromResult(S.Spec is null ? null : Info());

    public async Task<ScheduleInfo> DeleteAsync()
    {
        var last = Info();
        _timer?.Dispose();
        _timer = null;
        await store.ClearStateAsync();
        await SyncReminderAsync();
        await GrainFactory.GetGrain<IScheduleRegistryGrain>(IScheduleRegistryGrain.Key).RemoveAsync(Name);
        ScheduleLog.Deleted(logger, Name);
        DeactivateOnIdle();
        return last;
    }

    public async Task<ScheduleInfo> RunNowAsync()
    {
        _ = Info();
        if (S.Following is { } job)
        {
            throw new InvalidRequestException($"schedule '{Name}' is already running: job {job.Job} on node '{job.Node}'");
        }

        await StartAttemptAsync(manual: true);
        return Info();
    }

    private ScheduleInfo Info() => S.Spec is { } spec ? S.ToInfo(spec) : throw new NotFoundException($"schedule '{Name}' does not exist");

    /// <summary>Registers the reminder of an existing schedule (if missing) and removes that of a deleted one.</summary>
    private async Task SyncReminderAsync()
    {
        var wanted = S.Spec is not null;
        var reminder = await this.GetReminder(ReminderName);
        if (wanted && reminder is null)
        {
            var period = reminderOptions.Value.MinimumReminderPeriod;
            await this.RegisterOrUpdateReminder(ReminderName, period, period);
        }
        else if (!wanted && reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Sets the one timer to what comes next: polling a followed job, the retry, or the next due time.</summary>
    private void Arm()
    {
        _timer?.Dispose();
        _timer = null;
        TimeSpan due;
        if (S.Following is not null)
        {
            due = PollInterval;
        }
        else if ((S.Attempt > 0 ? S.RetryAt : S.NextDue) is { } at)
        {
            due = at - time.GetUtcNow();
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaximumTimerDue ? MaximumTimerDue : due;
        }
        else
        {
            return;
        }

        // The reminder keeps the activation alive; a wake that finds a newer activation only re-arms it.
        var self = this.AsReference<IScheduleWakeGrain>();
        _timer = time.CreateTimer(static s => _ = ((IScheduleWakeGrain)s!).WakeAsync(), self, due, Timeout.InfiniteTimeSpan);
    }

    private async Task TickAsync()
    {
        if (S.Spec is null)
        {
            return;
        }

        if (S.Following is { } job)
        {
            await PollAsync(job);
            return;
        }

        var now = time.GetUtcNow();
        var due = S.Attempt > 0 ? S.RetryAt <= now : S.NextDue <= now;
        if (due)
        {
            await StartAttemptAsync(manual: false);
        }
        else
        {
            Arm();
        }
    }

    private async Task StartAttemptAsync(bool manual)
    {
        var spec = S.Spec!;
        var now = time.GetUtcNow();
        if (S.Attempt == 0 && !manual)
        {
            S.NextDue = ScheduleTimes.NextDue(spec, S.Anchor, now);
        }

        S.Attempt++;
        S.RetryAt = null;
        S.LastRun = now;
        ScheduleLog.Starting(logger, Name, spec.Kind, S.Attempt, spec.MaxRetries + 1, manual);
        AttemptStep step;
        try
        {
            step = await Actions.StartAsync(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            step = AttemptStep.Failed(e.Message);
            if (spec.Kind == ScheduleKind.Backup && spec.Node is { } node)
            {
                Notifications.NodeEvents.JobRefused(notifications, "backup", node, Name, e.Message);
            }
        }

        await RecordAsync(step);
    }

    private async Task PollAsync(FollowedJob job)
    {
        AttemptStep step;
        try
        {
            step = await Actions.PollAsync(job);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            step = AttemptStep.Failed($"following job {job.Job} on node '{job.Node}': {e.Message}");
        }

        if (step.Following != job)
        {
            await RecordAsync(step);
        }
        else
        {
            Arm();
        }
    }

    private async Task RecordAsync(AttemptStep step)
    {
        var spec = S.Spec!;
        var now = time.GetUtcNow();
        S.Following = step.Following;
        if (step.Following is null)
        {
            if (step.Succeeded)
            {
                (S.LastResult, S.LastError, S.LastDetail, S.ConsecutiveFailures) = (ScheduleResult.Succeeded, null, step.Detail, 0);
                ScheduleLog.Succeeded(logger, Name, S.Attempt, step.Detail);
                Notifications.NodeEvents.ScheduleSucceeded(notifications, Name);
                if (spec.Kind == ScheduleKind.Backup && spec.Node is { } node)
                {
                    Notifications.NodeEvents.JobSucceededForSchedule(notifications, "backup", node, Name);
                }

                S.Attempt = 0;
            }
            else
            {
                (S.LastResult, S.LastError) = (ScheduleResult.Failed, step.Error);
                S.ConsecutiveFailures++;
                if (S.Attempt <= spec.MaxRetries)
                {
                    S.RetryAt = now + ScheduleTimes.RetryDelay(spec.RetryBackoff, S.Attempt);
                    ScheduleLog.Retrying(logger, Name, S.Attempt, S.RetryAt.Value, step.Error);
                }
                else
                {
                    ScheduleLog.GaveUp(logger, Name, S.Attempt, S.NextDue, step.Error);
                    Notifications.NodeEvents.ScheduleGaveUp(notifications, Name, S.Attempt, step.Error, S.NextDue);
                    S.Attempt = 0;
                }
            }

            if (S.Attempt == 0 && S.NextDue <= now)
            {
                // A run (with its retries) that outlasted the next due time skips it rather than run twice in a row.
                S.NextDue = ScheduleTimes.NextDue(spec, S.Anchor, now);
            }
        }

        await store.WriteStateAsync();
        Arm();
    }
}
