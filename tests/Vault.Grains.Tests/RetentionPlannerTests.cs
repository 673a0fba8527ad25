using System.Globalization;
using Vault.Grains.Retention;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>
/// The planner against hand-computed plans. Each expected line is one snapshot of the group, newest first:
/// its UTC time, keep or remove, and for a kept one every reason in rule order.
/// </summary>
public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset Later = Time("2030-01-01 00:00");

    /// <summary>One table row; the name is what the test runner shows.</summary>
    public sealed record PlanCase(string Name, string[] Snapshots, RetentionPolicy Policy, string[] Expected, string? Now = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<PlanCase> Cases => new()
    {
        new("keep-last keeps the newest N",
            ["2024-03-01 10:00", "2024-03-02 10:00", "2024-03-03 10:00", "2024-03-04 10:00"],
            new RetentionPolicy { KeepLast = 2 },
            ["2024-03-04 10:00 keep last snapshot", "2024-03-03 10:00 keep last snapshot", "2024-03-02 10:00 remove", "2024-03-01 10:00 remove"]),

        new("keep-last larger than the group keeps everything",
            ["2024-03-01 10:00", "2024-03-02 10:00"],
            new RetentionPolicy { KeepLast = 5 },
            ["2024-03-02 10:00 keep last snapshot", "2024-03-01 10:00 keep last snapshot"]),

        new("keep-last -1 keeps everything",
            ["2024-03-01 10:00", "2024-03-01 10:01", "2024-03-01 10:02"],
            new RetentionPolicy { KeepLast = -1 },
            ["2024-03-01 10:02 keep last snapshot", "2024-03-01 10:01 keep last snapshot", "2024-03-01 10:00 keep last snapshot"]),

        new("a single snapshot is kept by a bucket rule as the newest of its bucket",
            ["2024-03-01 10:00"],
            new RetentionPolicy { KeepDaily = 3 },
            ["2024-03-01 10:00 keep daily snapshot"]),

        new("keep-hourly keeps the newest of each of the last N hours that have snapshots",
            ["2024-03-01 10:05", "2024-03-01 10:55", "2024-03-01 11:10", "2024-03-01 13:00"],
            new RetentionPolicy { KeepHourly = 2 },
            ["2024-03-01 13:00 keep hourly snapshot", "2024-03-01 11:10 keep hourly snapshot", "2024-03-01 10:55 remove", "2024-03-01 10:05 remove"]),

        new("keep-daily keeps the newest of each day; days without snapshots do not count",
            ["2024-03-01 10:00", "2024-03-01 18:00", "2024-03-05 09:00", "2024-03-09 08:00", "2024-03-09 20:00"],
            new RetentionPolicy { KeepDaily = 2 },
            ["2024-03-09 20:00 keep daily snapshot", "2024-03-09 08:00 remove", "2024-03-05 09:00 keep daily snapshot", "2024-03-01 18:00 remove", "2024-03-01 10:00 remove"]),

        new("with days left unfilled, the oldest snapshot is kept as well",
            ["2024-03-01 10:00", "2024-03-01 18:00", "2024-03-02 09:00", "2024-03-03 08:00", "2024-03-03 20:00"],
            new RetentionPolicy { KeepDaily = 5 },
            ["2024-03-03 20:00 keep daily snapshot", "2024-03-03 08:00 remove", "2024-03-02 09:00 keep daily snapshot",
             "2024-03-01 18:00 keep daily snapshot", "2024-03-01 10:00 keep oldest daily snapshot"]),

        new("keep-daily -1 keeps the newest of every day, and the oldest",
            ["2024-03-01 10:00", "2024-03-01 18:00", "2024-03-02 09:00", "2024-03-03 08:00", "2024-03-03 20:00"],
            new RetentionPolicy { KeepDaily = -1 },
            ["2024-03-03 20:00 keep daily snapshot", "2024-03-03 08:00 remove", "2024-03-02 09:00 keep daily snapshot",
             "2024-03-01 18:00 keep daily snapshot", "2024-03-01 10:00 keep oldest daily snapshot"]),

        new("days are UTC days: 00:30 at +02:00 is the evening before",
            ["2023-12-30 12:00", "2023-12-31 12:00", "2024-01-01 00:30 +02:00"],
            new RetentionPolicy { KeepDaily = 2 },
            ["2023-12-31 22:30 keep daily snapshot", "2023-12-31 12:00 remove", "2023-12-30 12:00 keep daily snapshot"]),

        // ISO weeks start on Monday; 2024-12-30 (Monday) opens week 1 of 2025, 2024-12-29 (Sunday) closes week 52 of 2024.
        new("ISO week 1 of 2025 begins in December 2024",
            ["2024-12-29 10:00", "2024-12-30 10:00", "2025-01-05 10:00", "2025-01-06 10:00"],
            new RetentionPolicy { KeepWeekly = 3 },
            ["2025-01-06 10:00 keep weekly snapshot", "2025-01-05 10:00 keep weekly snapshot", "2024-12-30 10:00 remove", "2024-12-29 10:00 keep weekly snapshot"]),

        new("keep-weekly stops after N weeks",
            ["2024-12-29 10:00", "2024-12-30 10:00", "2025-01-05 10:00", "2025-01-06 10:00"],
            new RetentionPolicy { KeepWeekly = 2 },
            ["2025-01-06 10:00 keep weekly snapshot", "2025-01-05 10:00 keep weekly snapshot", "2024-12-30 10:00 remove", "2024-12-29 10:00 remove"]),

        // 2020 has an ISO week 53 (Monday 2020-12-28 to Sunday 2021-01-03).
        new("ISO week 53 of 2020 ends in January 2021",
            ["2020-12-28 10:00", "2021-01-03 10:00", "2021-01-04 10:00"],
            new RetentionPolicy { KeepWeekly = 2 },
            ["2021-01-04 10:00 keep weekly snapshot", "2021-01-03 10:00 keep weekly snapshot", "2020-12-28 10:00 remove"]),

        new("monthly and yearly across a year boundary",
            ["2023-06-15 12:00", "2023-12-31 23:30", "2024-01-01 00:30", "2024-01-20 12:00"],
            new RetentionPolicy { KeepMonthly = 2, KeepYearly = 2 },
            ["2024-01-20 12:00 keep monthly snapshot, yearly snapshot", "2024-01-01 00:30 remove",
             "2023-12-31 23:30 keep monthly snapshot, yearly snapshot", "2023-06-15 12:00 remove"]),

        new("keep-yearly with fewer years than asked keeps the oldest",
            ["2022-03-01 12:00", "2022-09-01 12:00", "2023-05-01 12:00"],
            new RetentionPolicy { KeepYearly = 5 },
            ["2023-05-01 12:00 keep yearly snapshot", "2022-09-01 12:00 keep yearly snapshot", "2022-03-01 12:00 keep oldest yearly snapshot"]),

        new("keep-within counts back from the newest snapshot, not from now, and excludes the boundary",
            ["2024-03-01 12:00", "2024-03-13 12:00", "2024-03-13 13:00", "2024-03-14 12:00", "2024-03-20 12:00"],
            new RetentionPolicy { KeepWithin = TimeSpan.FromDays(7) },
            ["2024-03-20 12:00 keep within 7d", "2024-03-14 12:00 keep within 7d", "2024-03-13 13:00 keep within 7d",
             "2024-03-13 12:00 remove", "2024-03-01 12:00 remove"]),

        new("keep-within ignores snapshots in the future when finding the newest, and keeps them",
            ["2024-03-10 00:00", "2024-03-15 00:00", "2024-03-20 00:00", "2024-03-25 00:00"],
            new RetentionPolicy { KeepWithin = TimeSpan.FromDays(7) },
            ["2024-03-25 00:00 keep within 7d", "2024-03-20 00:00 keep within 7d", "2024-03-15 00:00 keep within 7d", "2024-03-10 00:00 remove"],
            Now: "2024-03-20 12:00"),

        new("keep-within with every snapshot in the future keeps them all",
            ["2024-03-10 00:00", "2024-04-10 00:00"],
            new RetentionPolicy { KeepWithin = TimeSpan.FromDays(1) },
            ["2024-04-10 00:00 keep within 1d", "2024-03-10 00:00 keep within 1d"],
            Now: "2024-03-01 00:00"),

        new("keep-within prints days and hours",
            ["2024-03-18 00:00", "2024-03-20 00:00"],
            new RetentionPolicy { KeepWithin = TimeSpan.FromHours(36) },
            ["2024-03-20 00:00 keep within 1d12h", "2024-03-18 00:00 remove"]),

        new("keep-tag keeps every snapshot with any of the tags, with one reason per tag",
            ["2024-03-01 10:00 prod", "2024-03-02 10:00", "2024-03-03 10:00 prod,weekly", "2024-03-04 10:00 weekly"],
            new RetentionPolicy { KeepTags = ["prod", "weekly"], GroupBy = RetentionGrouping.Node },
            ["2024-03-04 10:00 keep tag weekly", "2024-03-03 10:00 keep tag prod, tag weekly", "2024-03-02 10:00 remove", "2024-03-01 10:00 keep tag prod"]),

        new("every rule that keeps a snapshot is a reason",
            ["2024-03-18 09:00", "2024-03-19 09:00 prod", "2024-03-20 08:00", "2024-03-20 09:00 prod"],
            new RetentionPolicy { KeepLast = 1, KeepDaily = 2, KeepWithin = TimeSpan.FromDays(1), KeepTags = ["prod"], GroupBy = RetentionGrouping.Node },
            ["2024-03-20 09:00 keep last snapshot, daily snapshot, within 1d, tag prod", "2024-03-20 08:00 keep within 1d",
             "2024-03-19 09:00 keep daily snapshot, tag prod", "2024-03-18 09:00 remove"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_Table_MatchesHandComputedDecisions(PlanCase c)
    {
        var snapshots = c.Snapshots.Select((s, i) => Parse(s, i)).ToList();

        var plan = RetentionPlanner.Plan(snapshots, c.Policy, c.Now is null ? Later : Time(c.Now));

        var group = Assert.Single(plan);
        Assert.Equal(c.Expected, group.Decisions.Select(Line));
    }

    [Fact]
    public void Plan_Shuffled_IsTheSameAsOrdered()
    {
        var snapshots = Enumerable.Range(0, 40).Select(i => Snapshot(i, Time("2024-01-01 00:00").AddHours(i * 7))).ToList();
        var policy = new RetentionPolicy { KeepLast = 2, KeepDaily = 3, KeepWeekly = 2 };

        var ordered = RetentionPlanner.Plan(snapshots, policy, Later).Single().Decisions.Select(Line).ToList();
        var shuffled = RetentionPlanner.Plan([.. snapshots.OrderBy(s => s.Id.Value.GetHashCode())], policy, Later).Single().Decisions.Select(Line).ToList();

        Assert.Equal(ordered, shuffled);
        Assert.Equal(40, ordered.Count);
    }

    [Fact]
    public void Plan_NoSnapshots_NoGroups()
    {
        Assert.Empty(RetentionPlanner.Plan([], new RetentionPolicy { KeepLast = 1 }, Later));
    }

    public static TheoryData<RetentionGrouping, string[]> Groupings => new()
    {
        // Each expected line: the group (node | paths | tags), then the ids it keeps with keep-last 1.
        { RetentionPolicy.DefaultGrouping, ["n1 | /a | * : 3", "n1 | /a,/b | * : 2", "n2 | /a | * : 4"] },
        { RetentionGrouping.None, ["* | * | * : 4"] },
        { RetentionGrouping.Node, ["n1 | * | * : 3", "n2 | * | * : 4"] },
        { RetentionGrouping.Paths, ["* | /a | * : 4", "* | /a,/b | * : 2"] },
        { RetentionGrouping.Tags, ["* | * |  : 4", "* | * | x : 3", "* | * | x,y : 2"] },
        { RetentionGrouping.Node | RetentionGrouping.Paths | RetentionGrouping.Tags, ["n1 | /a | x : 3", "n1 | /a,/b | x,y : 2", "n2 | /a |  : 4"] },
    };

    [Theory]
    [MemberData(nameof(Groupings))]
    public void Plan_Grouping_SplitsHistoriesAsConfigured(RetentionGrouping grouping, string[] expected)
    {
        // Paths and tags are sets: order and repeats do not make another history.
        List<SnapshotInfo> snapshots =
        [
            Snapshot(0, Time("2024-03-01 10:00"), "n1", ["/a", "/b"], ["x", "y"]),
            Snapshot(1, Time("2024-03-02 10:00"), "n1", ["/b", "/a"], ["y", "x", "x"]),
            Snapshot(2, Time("2024-03-03 10:00"), "n1", ["/a", "/b", "/a"], ["x", "y"]),
            Snapshot(3, Time("2024-03-04 10:00"), "n1", ["/a"], ["x"]),
            Snapshot(4, Time("2024-03-05 10:00"), "n2", ["/a"], []),
        ];

        var plan = RetentionPlanner.Plan(snapshots, new RetentionPolicy { KeepLast = 1, GroupBy = grouping }, Later);

        Assert.Equal(expected, plan.Select(g =>
            $"{g.Node ?? "*"} | {(g.Paths is null ? "*" : string.Join(",", g.Paths))} | {(g.Tags is null ? "*" : string.Join(",", g.Tags))} : " +
            string.Join(",", g.Decisions.Where(d => d.Keep).Select(d => Index(d.Snapshot)))));
        Assert.Equal(5, plan.Sum(g => g.Decisions.Count));
    }

    public static TheoryData<RetentionPolicy, string> Refused => new()
    {
        { new RetentionPolicy(), "has no rule" },
        { new RetentionPolicy { KeepWithin = TimeSpan.Zero }, "has no rule" },
        { new RetentionPolicy { GroupBy = RetentionGrouping.None }, "has no rule" },
        { new RetentionPolicy { KeepLast = 1, KeepDaily = -2 }, "keep-daily is -2" },
        { new RetentionPolicy { KeepYearly = int.MinValue }, "keep-yearly is" },
        { new RetentionPolicy { KeepWithin = TimeSpan.FromHours(-1) }, "keep-within is -01:00:00; must not be negative" },
        { new RetentionPolicy { KeepTags = ["prod", " "] }, "keep-tag must not be empty" },
        { new RetentionPolicy { KeepLast = 1, GroupBy = (RetentionGrouping)8 }, "group-by 8 is not valid" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Plan_BadPolicy_IsRefusedWithTheRule(RetentionPolicy policy, string message)
    {
        var e = Assert.Throws<InvalidRequestException>(() => RetentionPlanner.Plan([Parse("2024-03-01 10:00", 0)], policy, Later));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void WithNamed_RemovesNamedAndAddsThemToTheirGroup()
    {
        var snapshots = new[] { "2024-03-01 10:00", "2024-03-02 10:00", "2024-03-03 10:00" }.Select((s, i) => Parse(s, i)).ToList();
        var plan = RetentionPlanner.Plan(snapshots, new RetentionPolicy { KeepLast = 2 }, Later);
        var other = Snapshot(9, Time("2024-03-02 12:00"), "n2", ["/data"], []);
        var sameHistory = Snapshot(8, Time("2024-03-02 11:00"), "n1", ["/data"], ["extra"]);

        var merged = RetentionPlanner.WithNamed(plan, [snapshots[2], other, sameHistory, snapshots[2]], RetentionPolicy.DefaultGrouping);

        Assert.Equal(["n1", "n2"], merged.Select(g => g.Node));
        Assert.Equal(
            ["2024-03-03 10:00 remove named", "2024-03-02 11:00 remove named", "2024-03-02 10:00 keep last snapshot", "2024-03-01 10:00 remove"],
            merged[0].Decisions.Select(Line));
        Assert.Equal(["2024-03-02 12:00 remove named"], merged[1].Decisions.Select(Line));
        var result = RetentionPlanner.Result(merged, dryRun: true);
        Assert.Equal((1, 4, true), (result.Kept, result.Removed, result.DryRun));
    }

    [Fact]
    public void WithNamed_WithoutPolicy_GroupsTheNamedOnes()
    {
        var a = Snapshot(0, Time("2024-03-01 10:00"), "n1", ["/a"], []);
        var b = Snapshot(1, Time("2024-03-02 10:00"), "n1", ["/a"], []);

        var merged = RetentionPlanner.WithNamed([], [a, b], RetentionPolicy.DefaultGrouping);

        var group = Assert.Single(merged);
        Assert.Equal("n1", group.Node);
        Assert.Equal(["/a"], group.Paths);
        Assert.Null(group.Tags);
        Assert.Equal(["2024-03-02 10:00 remove named", "2024-03-01 10:00 remove named"], group.Decisions.Select(Line));
    }

    private static string Line(RetentionDecision d) =>
        $"{d.Snapshot.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {(d.Keep ? "keep" : "remove")}" +
        (d.Reasons.Count > 0 ? " " + string.Join(", ", d.Reasons) : "");

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>"2024-03-01 10:00 [+02:00] [tag,tag]": a snapshot of node n1, path /data.</summary>
    private static SnapshotInfo Parse(string text, int index)
    {
        var parts = text.Split(' ');
        var time = string.Join(' ', parts.Take(parts.Length > 2 && parts[2].StartsWith('+') ? 3 : 2));
        var rest = parts.Skip(time.Count(c => c == ' ') + 1).ToArray();
        var tags = rest.Length > 0 ? rest[0].Split(',') : [];
        return Snapshot(index, Time(time), "n1", ["/data"], tags);
    }

    private static SnapshotInfo Snapshot(int index, DateTimeOffset time, string node = "n1", string[]? paths = null, string[]? tags = null) =>
        new(new SnapshotId(new Guid(index, 0, 0, new byte[8])), node, node, paths ?? ["/data"], tags ?? [], time, null,
            new ChunkId(new Hash256(1, 2, 3, 4)), new SnapshotStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), SnapshotState.Committed, false);

    private static int Index(SnapshotInfo snapshot) => BitConverter.ToInt32(snapshot.Id.Value.ToByteArray(), 0);
}
