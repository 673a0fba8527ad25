using System.Globalization;
using Vault.Retention;
using Vault.Snapshots;

namespace Vault.Grains.Retention;

// Retention decides which snapshots stay in the catalog; it never touches data. Glossary:
//   group   — the snapshots one policy is applied to on its own (same node / path set / tag set, as
//             RetentionPolicy.GroupBy says), newest first.
//   bucket  — the calendar hour, day, ISO week, month or year (UTC) a snapshot was taken in.
// Invariants: a snapshot is kept when any rule keeps it; a rule with count N keeps the newest snapshot
// of each of the N newest buckets that have snapshots (-1: of every bucket); while a counted rule still has
// buckets to fill when the oldest snapshot of a group is reached, the oldest is kept too ("oldest daily
// snapshot"), so a young history is not cut short. keep-within measures from the group's newest
// snapshot that is not in the future, so a clock running ahead on one node cannot age the others out.

/// <summary>
/// restic's forget policy as a pure function: <see cref="Plan"/> groups snapshots and decides, per group,
/// what to keep (with every reason) and what to remove.
/// </summary>
public static class RetentionPlanner
{
    /// <summary>The reason given to a snapshot removed because the request named it.</summary>
    public const string NamedReason = "named";

    private static readonly Rule[] _rules =
    [
        new("last snapshot", p => p.KeepLast, (_, index) => index),
        new("hourly snapshot", p => p.KeepHourly, (t, _) => (((((t.Year * 100L) + t.Month) * 100) + t.Day) * 100) + t.Hour),
        new("daily snapshot", p => p.KeepDaily, (t, _) => (((t.Year * 100L) + t.Month) * 100) + t.Day),
        new("weekly snapshot", p => p.KeepWeekly, (t, _) => (ISOWeek.GetYear(t) * 100L) + ISOWeek.GetWeekOfYear(t)),
        new("monthly snapshot", p => p.KeepMonthly, (t, _) => (t.Year * 100L) + t.Month),
        new("yearly snapshot", p => p.KeepYearly, (t, _) => t.Year),
    ];

    /// <summary>
    /// Groups <paramref name="snapshots"/> by the policy's grouping and applies the policy to each group.
    /// Groups come ordered by node, paths and tags; decisions newest first. <paramref name="now"/>
    /// (default: the current time) only tells which snapshots are in the future.
    /// Throws <see cref="InvalidRequestException"/> when the policy is not valid or has no rule.
    /// </summary>
    public static IReadOnlyList<RetentionGroup> Plan(IReadOnlyList<SnapshotInfo> snapshots, RetentionPolicy policy, DateTimeOffset? now = null)
    {
        policy.Validate();
        var at = now ?? DateTimeOffset.UtcNow;
        return [.. GroupBy(snapshots, policy.GroupBy).Select(g => g.Key.ToGroup(Decide(g.Snapshots, policy, at)))];
    }

    /// <summary>
    /// Adds snapshots the request named to a plan: each is removed with reason <see cref="NamedReason"/>,
    /// whatever the policy said; those the plan did not contain join the group their node, paths and tags
    /// belong to (a new one if need be).
    /// </summary>
    public static IReadOnlyList<RetentionGroup> WithNamed(IReadOnlyList<RetentionGroup> plan, IReadOnlyList<SnapshotInfo> named, RetentionGrouping grouping)
    {
        if (named.Count == 0)
        {
            return plan;
        }

        var ids = named.Select(s => s.Id).ToHashSet();
        var groups = new SortedDictionary<GroupKey, List<RetentionDecision>>();
        foreach (var group in plan)
        {
            var key = new GroupKey(group.Node, group.Paths ?? [], group.Tags ?? [], group.Paths is not null, group.Tags is not null);
            groups[key] = [.. group.Decisions.Where(d => !ids.Contains(d.Snapshot.Id))];
        }

        foreach (var snapshot in named.DistinctBy(s => s.Id))
        {
            var key = GroupKey.Of(snapshot, grouping);
            if (!groups.TryGetValue(key, out var decisions))
            {
                groups[key] = decisions = [];
            }

            decisions.Add(new RetentionDecision(snapshot, false, [NamedReason]));
        }

        return [.. groups.Select(g => g.Key.ToGroup([.. Newest(g.Value, d => d.Snapshot)]))];
    }

    /// <summary>The totals of a plan.</summary>
    public static ForgetResult Result(IReadOnlyList<RetentionGroup> plan, bool dryRun)
    {
        var decisions = plan.SelectMany(g => g.Decisions).ToList();
        return new ForgetResult(plan, decisions.Count(d => d.Keep), decisions.Count(d => !d.Keep), dryRun);
    }

    private static IEnumerable<(GroupKey Key, IReadOnlyList<SnapshotInfo> Snapshots)> GroupBy(IReadOnlyList<SnapshotInfo> snapshots, RetentionGrouping grouping) =>
        snapshots
            .GroupBy(s => GroupKey.Of(s, grouping))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<SnapshotInfo>)[.. Newest(g, s => s)]));

    /// <summary>Newest first; snapshots taken at the same instant in id order, newest id first, so the plan does not depend on input order.</summary>
    private static IOrderedEnumerable<T> Newest<T>(IEnumerable<T> items, Func<T, SnapshotInfo> snapshot) =>
        items.OrderByDescending(i => snapshot(i).Time).ThenByDescending(i => snapshot(i).Id);

    /// <summary>One group, newest first.</summary>
    private static List<RetentionDecision> Decide(IReadOnlyList<SnapshotInfo> newestFirst, RetentionPolicy policy, DateTimeOffset now)
    {
        var left = _rules.Select(r => r.Count(policy)).ToArray();
        var lastBucket = new long?[_rules.Length];
        var within = policy.KeepWithin is { } w && w > TimeSpan.Zero ? w : (TimeSpan?)null;
        var withinFrom = within is { } span ? WithinFrom(newestFirst, span, now) : null;
        var keepTags = policy.KeepTags.Distinct(StringComparer.Ordinal).ToList();

        var decisions = new List<RetentionDecision>(newestFirst.Count);
        for (var index = 0; index < newestFirst.Count; index++)
        {
            var snapshot = newestFirst[index];
            var oldest = index == newestFirst.Count - 1;
            var time = snapshot.Time.UtcDateTime;
            var reasons = new List<string>();
            for (var r = 0; r < _rules.Length; r++)
            {
                if (left[r] == 0)
                {
                    continue;
                }

                var bucket = _rules[r].Bucket(time, index);
                if (bucket == lastBucket[r] && !oldest)
                {
                    continue;
                }

                // The oldest snapshot shares its bucket with a kept, newer one: kept only because buckets are left unfilled.
                reasons.Add(bucket == lastBucket[r] ? "oldest " + _rules[r].Reason : _rules[r].Reason);
                lastBucket[r] = bucket;
                if (left[r] > 0)
                {
                    left[r]--;
                }
            }

            if (within is { } kept && (withinFrom is null || snapshot.Time > withinFrom))
            {
                reasons.Add("within " + RetentionSyntax.FormatDuration(kept));
            }

            reasons.AddRange(keepTags.Where(snapshot.Tags.Contains).Select(t => "tag " + t));
            decisions.Add(new RetentionDecision(snapshot, reasons.Count > 0, reasons));
        }

        return decisions;
    }

    /// <summary>
    /// The instant after which keep-within keeps snapshots: <paramref name="within"/> before the newest snapshot
    /// that is not in the future. Null when every snapshot is in the future (all are kept) or the span reaches
    /// back before the calendar starts.
    /// </summary>
    private static DateTimeOffset? WithinFrom(IReadOnlyList<SnapshotInfo> snapshots, TimeSpan within, DateTimeOffset now)
    {
        var past = snapshots.Where(s => s.Time <= now).Select(s => (DateTimeOffset?)s.Time).Max();
        return past is { } newest && newest - DateTimeOffset.MinValue > within ? newest - within : null;
    }

    private sealed record Rule(string Reason, Func<RetentionPolicy, int> Count, Func<DateTime, int, long> Bucket);

    /// <summary>What makes snapshots one history: only the parts the grouping names are set (and compared).</summary>
    private sealed record GroupKey(string? Node, IReadOnlyList<string> Paths, IReadOnlyList<string> Tags, bool ByPaths, bool ByTags) : IComparable<GroupKey>
    {
        public static GroupKey Of(SnapshotInfo snapshot, RetentionGrouping grouping) => new(
            grouping.HasFlag(RetentionGrouping.Node) ? snapshot.Node : null,
            grouping.HasFlag(RetentionGrouping.Paths) ? Set(snapshot.Paths) : [],
            grouping.HasFlag(RetentionGrouping.Tags) ? Set(snapshot.Tags) : [],
            grouping.HasFlag(RetentionGrouping.Paths),
            grouping.HasFlag(RetentionGrouping.Tags));

        public RetentionGroup ToGroup(IReadOnlyList<RetentionDecision> decisions) =>
            new(Node, ByPaths ? Paths : null, ByTags ? Tags : null, decisions);

        public bool Equals(GroupKey? other) => other is not null && CompareTo(other) == 0;

        public override int GetHashCode() => HashCode.Combine(Node, Text(Paths), Text(Tags), ByPaths, ByTags);

        public int CompareTo(GroupKey? other)
        {
            if (other is null)
            {
                return 1;
            }

            var c = string.CompareOrdinal(Node, other.Node);
            c = c != 0 ? c : string.CompareOrdinal(Text(Paths), Text(other.Paths));
            c = c != 0 ? c : string.CompareOrdinal(Text(Tags), Text(other.Tags));
            c = c != 0 ? c : ByPaths.CompareTo(other.ByPaths);
            return c != 0 ? c : ByTags.CompareTo(other.ByTags);
        }

        private static string[] Set(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

        private static string Text(IReadOnlyList<string> values) => string.Join('\0', values);
    }
}
