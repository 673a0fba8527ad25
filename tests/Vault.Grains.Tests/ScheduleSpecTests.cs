using Vault.Grains.Schedules;
using Vault.Retention;
using Vault.Schedules;

namespace Vault.Grains.Tests;

/// <summary>Due times, retry delays and the validation of a schedule's definition.</summary>
public sealed class ScheduleSpecTests
{
    private static readonly DateTimeOffset Anchor = new(2025, 3, 10, 10, 0, 0, TimeSpan.Zero);

    private static readonly ScheduleSpec Backup = new()
    {
        Name = "nightly",
        Kind = ScheduleKind.Backup,
        Node = "node-a",
        Paths = ["/data"],
        Every = TimeSpan.FromHours(6),
    };

    [Theory]
    [InlineData(0, 6 * 60)] // at the anchor: one interval later
    [InlineData(-30, 6 * 60)] // before the anchor (clock skew): the first slot
    [InlineData(1, 6 * 60)]
    [InlineData(6 * 60 - 1, 6 * 60)]
    [InlineData(6 * 60, 12 * 60)] // strictly after
    [InlineData(25 * 60, 30 * 60)] // after missed slots: the next one on the grid, not now + 6 h
    public void NextDue_Every_StaysOnTheGridFromTheAnchor(int afterMinutes, int expectedMinutes)
    {
        var next = ScheduleTimes.NextDue(Backup, Anchor, Anchor.AddMinutes(afterMinutes));
        Assert.Equal(Anchor.AddMinutes(expectedMinutes), next);
    }

    [Fact]
    public void NextDue_Cron_IsTheExpressionsNextTime_AndDisabledIsNever()
    {
        var spec = Backup with { Every = null, Cron = "30 2 * * *" };
        Assert.Equal(new DateTimeOffset(2025, 3, 11, 2, 30, 0, TimeSpan.Zero), ScheduleTimes.NextDue(spec, Anchor, Anchor));
        Assert.Null(ScheduleTimes.NextDue(spec with { Enabled = false }, Anchor, Anchor));
        Assert.Null(ScheduleTimes.NextDue(Backup with { Enabled = false }, Anchor, Anchor));
    }

    [Theory]
    [InlineData(1000, 1, 1000)]
    [InlineData(1000, 2, 2000)]
    [InlineData(1000, 3, 4000)]
    [InlineData(1000, 5, 16000)]
    [InlineData(60_000, 6, 1_920_000)]
    [InlineData(60_000, 7, 3_600_000)] // 64 min: capped at 1 h
    [InlineData(60_000, 60, 3_600_000)] // no overflow however many attempts
    [InlineData(3_600_000, 1, 3_600_000)]
    public void RetryDelay_DoublesPerFailedAttempt_UpToOneHour(int backoffMs, int failedAttempts, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ScheduleTimes.RetryDelay(TimeSpan.FromMilliseconds(backoffMs), failedAttempts));
    }

    [Fact]
    public void Validate_GoodDefinitions_PassForEveryKind()
    {
        Assert.Empty(ScheduleSpecValidator.Validate(Backup, ""));
        Assert.Empty(ScheduleSpecValidator.Validate(Backup with { Every = null, Cron = "*/5 * * * 1-5", Tags = ["t"], Excludes = ["*.tmp"] }, ""));
        Assert.Empty(ScheduleSpecValidator.Validate(new ScheduleSpec
        {
            Name = "prune",
            Kind = ScheduleKind.Forget,
            Cron = "0 3 * * *",
            Paths = ["/data"],
            Tags = ["nightly"],
            Retention = new RetentionPolicy { KeepDaily = 7, KeepWeekly = -1 },
        }, ""));
        Assert.Empty(ScheduleSpecValidator.Validate(new ScheduleSpec { Name = "gc", Kind = ScheduleKind.Gc, Every = TimeSpan.FromDays(7) }, ""));
        Assert.Empty(ScheduleSpecValidator.Validate(Backup with { MaxRetries = 0, RetryBackoff = TimeSpan.FromSeconds(1) }, ""));
    }

    public static TheoryData<string, ScheduleSpec, string> Invalid => new()
    {
        { "bad name", Backup with { Name = "no spaces" }, "p:(name) is 'no spaces'; a schedule name must be 1–64 letters" },
        { "no timing", Backup with { Every = null }, "p:Every and Cron are both empty; give an interval (Every) or a cron expression (Cron)" },
        { "both timings", Backup with { Cron = "* * * * *" }, "p:Every and Cron are both set; give one of them" },
        { "short interval", Backup with { Every = TimeSpan.FromSeconds(30) }, "p:Every is '00:00:30'; must be between 1 minute and 366 days" },
        { "bad cron", Backup with { Every = null, Cron = "61 2 * * *" }, "p:Cron is '61 2 * * *'; minute field '61' has 61, out of range 0-59" },
        { "bad cron name", Backup with { Every = null, Cron = "0 2 * * FUNDAY" }, "p:Cron is '0 2 * * FUNDAY'; day-of-week field 'FUNDAY'" },
        { "retries", Backup with { MaxRetries = 21 }, "p:MaxRetries is '21'; must be between 0 and 20" },
        { "negative retries", Backup with { MaxRetries = -1 }, "p:MaxRetries is '-1'" },
        { "backoff too short", Backup with { RetryBackoff = TimeSpan.FromMilliseconds(500) }, "p:RetryBackoff is '00:00:00.5000000'; must be between 1 second and 1 hour" },
        { "backoff too long", Backup with { RetryBackoff = TimeSpan.FromHours(2) }, "p:RetryBackoff is '02:00:00'" },
        { "backup without node", Backup with { Node = null }, "p:Node is ''; a backup schedule needs the node whose disk holds the paths" },
        { "backup without paths", Backup with { Paths = [] }, "p:Paths is ''; a backup schedule needs at least one path" },
        { "relative path", Backup with { Paths = ["/ok", "relative/dir"] }, "p:Paths:1 is 'relative/dir'; must be an absolute path" },
        { "empty tag", Backup with { Tags = [" "] }, "p:Tags:0 is ' '; a tag must not be empty" },
        { "empty exclude", Backup with { Excludes = [""] }, "p:Excludes:0 is ''; an exclude pattern must not be empty" },
        { "backup with policy", Backup with { Retention = new RetentionPolicy { KeepLast = 1 } }, "p:Retention is 'set'; only a Forget schedule takes a retention policy" },
        { "forget without policy", Backup with { Kind = ScheduleKind.Forget, Paths = [] }, "p:Retention is ''; a forget schedule needs a retention policy" },
        { "forget with empty policy", Backup with { Kind = ScheduleKind.Forget, Paths = [], Retention = new RetentionPolicy() }, "p:Retention is 'no rule'; the policy must keep something" },
        { "forget bad count", Backup with { Kind = ScheduleKind.Forget, Paths = [], Retention = new RetentionPolicy { KeepDaily = -2 } }, "p:Retention:KeepDaily is '-2'" },
        { "forget bad within", Backup with { Kind = ScheduleKind.Forget, Paths = [], Retention = new RetentionPolicy { KeepWithin = TimeSpan.Zero } }, "p:Retention:KeepWithin is '00:00:00'; must be positive" },
        { "forget two paths", Backup with { Kind = ScheduleKind.Forget, Paths = ["/a", "/b"], Retention = new RetentionPolicy { KeepLast = 3 } }, "p:Paths is '/a, /b'; a forget schedule takes at most one path" },
        { "forget excludes", Backup with { Kind = ScheduleKind.Forget, Paths = [], Excludes = ["x"], Retention = new RetentionPolicy { KeepLast = 3 } }, "p:Excludes is 'x'; only a Backup schedule takes exclude patterns" },
        { "gc with paths", Backup with { Kind = ScheduleKind.Gc }, "p:Paths is '/data'; a GC schedule takes no paths" },
        { "unknown kind", Backup with { Kind = (ScheduleKind)9 }, "p:Kind is '9'; must be Backup, Forget or Gc" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_BrokenRule_IsNamedWithKeyValueAndRule(string rule, ScheduleSpec spec, string expected)
    {
        var errors = ScheduleSpecValidator.Validate(spec, "p:");
        Assert.True(errors.Any(e => e.StartsWith(expected, StringComparison.Ordinal)), $"{rule}: expected '{expected}' among: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void Validate_ReportsEveryBrokenRule()
    {
        var errors = ScheduleSpecValidator.Validate(Backup with { Every = TimeSpan.FromSeconds(1), MaxRetries = 99, Paths = [] }, "Vault:Schedules:nightly:");
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("Vault:Schedules:nightly:", e, StringComparison.Ordinal));
    }
}
