using System.Text.Json;
using Vault.Schedules;
using Vault.Snapshots;

namespace Vault.Grains.Tests;

/// <summary>
/// Schedules on the in-process silo: retries with backoff, giving up, the registry and the reminder. The
/// silo's clock is a fake one: the tests move it past each due time instead of waiting for it.
/// </summary>
[Collection(ClockedCollection.Name)]
public sealed class ScheduleGrainTests(ClockedClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("schedule");

    public void Dispose() => TestDirs.Delete(_dir);

    private ScheduleSpec BackupOf(string path, string tag) => new()
    {
        Kind = ScheduleKind.Backup,
        Node = cluster.NodeId,
        Paths = [path],
        Tags = [tag],
        Every = TimeSpan.FromHours(1),
        MaxRetries = 5,
        RetryBackoff = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task FailedBackup_IsRetriedWithExponentialBackoff_AndSucceedsOnceThePathExists()
    {
        var (name, schedule) = NewSchedule("retry");
        var source = Path.Combine(_dir, "appears-later");
        var set = await schedule.PutAsync(BackupOf(source, name));
        var due = set.NextDue;
        Assert.NotNull(due);

        var started = await schedule.RunNowAsync();
        Assert.Equal(1, started.Attempt);
        Assert.Equal(ScheduleResult.Failed, started.LastResult);
        Assert.Contains("does not exist", started.LastError, StringComparison.Ordinal);
        AssertWait(TimeSpan.FromSeconds(1), started);

        // Nothing runs before the retry time; the first retry (after 1 s) fails too.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, (await schedule.GetAsync()).ConsecutiveFailures);
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var second = await WaitForAsync(schedule, s => s.ConsecutiveFailures >= 2, "the first retry to fail");
        Assert.Equal(2, second.Attempt);
        Assert.Equal(started.RetryAt, second.LastRun);

        // Each further retry waits twice as long as the one before: 2 s now.
        AssertWait(TimeSpan.FromSeconds(2), second);
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "file.txt"), "now it exists");
        cluster.Clock.Advance(TimeSpan.FromSeconds(2));
        var done = await WaitForAsync(schedule, s => s.LastResult == ScheduleResult.Succeeded, "the second retry to succeed", poll: true);
        Assert.Equal(0, done.Attempt);
        Assert.Equal(0, done.ConsecutiveFailures);
        Assert.Null(done.LastError);
        Assert.Null(done.RetryAt);
        Assert.Null(done.CurrentJob);
        Assert.Equal(due, done.NextDue); // a run by hand does not move the schedule
        Assert.StartsWith("snapshot ", done.LastDetail, StringComparison.Ordinal);

        var snapshots = await cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default").ListAsync(tag: name);
        var snapshot = Assert.Single(snapshots);
        Assert.Equal([source], snapshot.Paths);
        Assert.Contains(snapshot.Id.ToString(), done.LastDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_WithNoRetriesLeft_RecordsTheFailure_AndWaitsForItsNextTime()
    {
        var (name, schedule) = NewSchedule("give-up");
        var set = await schedule.PutAsync(BackupOf(Path.Combine(_dir, "never"), name) with { MaxRetries = 1 });

        await schedule.RunNowAsync();
        cluster.Clock.Advance(TimeSpan.FromSeconds(1));
        var failed = await WaitForAsync(schedule, s => s.ConsecutiveFailures >= 2 && s.Attempt == 0, "the retry to fail and the run to give up");
        Assert.Equal(2, failed.ConsecutiveFailures);
        Assert.Equal(ScheduleResult.Failed, failed.LastResult);
        Assert.Null(failed.RetryAt);
        Assert.Equal(set.NextDue, failed.NextDue);
        Assert.Contains("does not exist", failed.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_OnAnUnknownNode_IsAccepted_AndTheRunReportsTheNode()
    {
        var (name, schedule) = NewSchedule("elsewhere");
        await schedule.PutAsync(BackupOf("/data", name) with { Node = "no-such-node", MaxRetries = 0 });

        var run = await schedule.RunNowAsync();
        Assert.Equal(0, run.Attempt);
        Assert.Equal(ScheduleResult.Failed, run.LastResult);
        Assert.Contains("node 'no-such-node' is not an active member of the cluster", run.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_InvalidDefinition_IsRefusedNamingEveryRule_AndNothingIsStored()
    {
        var (name, schedule) = NewSchedule("bad");
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => schedule.PutAsync(BackupOf("/data", name) with
        {
            Every = null,
            Cron = "0 25 * * *",
            RetryBackoff = TimeSpan.Zero,
        }));
        Assert.Contains($"schedule '{name}': Cron is '0 25 * * *'; hour field '25' has 25, out of range 0-23", e.Message, StringComparison.Ordinal);
        Assert.Contains($"schedule '{name}': RetryBackoff is '00:00:00'", e.Message, StringComparison.Ordinal);
        Assert.Null(await schedule.TryGetAsync());
        await Assert.ThrowsAsync<NotFoundException>(schedule.GetAsync);
        Assert.DoesNotContain(name, await Registry.ListAsync());
    }

    [Fact]
    public async Task PutAndDelete_KeepTheRegistryAndTheDurableReminderInStep()
    {
        var (name, schedule) = NewSchedule("listed");
        var before = cluster.Clock.GetUtcNow();
        var info = await schedule.PutAsync(BackupOf("/data", name) with { Every = null, Cron = "30 2 * * *" });
        Assert.Equal(name, info.Spec.Name);
        var today = new DateTimeOffset(before.UtcDateTime.Date, TimeSpan.Zero).AddHours(2).AddMinutes(30);
        Assert.Equal(today > before ? today : today.AddDays(1), info.NextDue);
        Assert.Contains(name, await Registry.ListAsync());
        Assert.Contains("schedule/" + name, ReminderGrains());

        // Replacing the definition with the same timing keeps the due time.
        var replaced = await schedule.PutAsync(BackupOf("/data", name) with { Every = null, Cron = "30 2 * * *", Tags = ["other"] });
        Assert.Equal(info.NextDue, replaced.NextDue);
        Assert.Equal(["other"], replaced.Spec.Tags);

        var disabled = await schedule.PutAsync(replaced.Spec with { Enabled = false });
        Assert.Null(disabled.NextDue);

        await schedule.DeleteAsync();
        Assert.DoesNotContain(name, await Registry.ListAsync());
        Assert.DoesNotContain("schedule/" + name, ReminderGrains());
        await Assert.ThrowsAsync<NotFoundException>(() => cluster.Grains.GetGrain<IScheduleGrain>(name).RunNowAsync());
    }

    private (string Name, IScheduleGrain Grain) NewSchedule(string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        return (name, cluster.Grains.GetGrain<IScheduleGrain>(name));
    }

    /// <summary>The clock stands still while the attempt that started at LastRun fails: the retry waits exactly the backoff after it.</summary>
    private static void AssertWait(TimeSpan backoff, ScheduleInfo info)
    {
        Assert.NotNull(info.RetryAt);
        Assert.Equal(backoff, info.RetryAt.Value - info.LastRun!.Value);
    }

    private IScheduleRegistryGrain Registry => cluster.Grains.GetGrain<IScheduleRegistryGrain>(IScheduleRegistryGrain.Key);

    /// <summary>The grains holding a reminder, as the silo's reminder file has them.</summary>
    private List<string> ReminderGrains()
    {
        using var file = JsonDocument.Parse(File.ReadAllBytes(cluster.ReminderFile));
        return [.. file.RootElement.GetProperty("reminders").EnumerateArray().Select(r => r.GetProperty("grain").GetString()!)];
    }

    /// <summary>
    /// Waits (wall clock, with a deadline) until the schedule meets the condition; with <paramref name="poll"/>
    /// it moves the fake clock by the poll interval each round, so a schedule following a job polls it.
    /// </summary>
    private async Task<ScheduleInfo> WaitForAsync(IScheduleGrain schedule, Func<ScheduleInfo, bool> condition, string what, bool poll = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var info = await schedule.GetAsync();
            if (condition(info))
            {
                return info;
            }

            if (poll && info.CurrentJob is not null)
            {
                cluster.Clock.Advance(Vault.Grains.Schedules.ScheduleGrain.PollInterval);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; the schedule stands at attempt {info.Attempt}, " +
                    $"{info.ConsecutiveFailures} failures, last {info.LastResult}: {info.LastError}");
            }

            await Task.Delay(50);
        }
    }
}
