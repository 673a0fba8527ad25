using System.Globalization;
using Vault.Notifications;
using Vault.Peers;

namespace Vault.Grains.Notifications;

/// <summary>The events the node's own work raises and clears, built in one place so their kinds, subjects and severities stay consistent.</summary>
public static class NodeEvents
{
    public static string NodeSubject(string node) => "node:" + node;

    /// <summary>
    /// A finished job: failed raises &lt;kind&gt;.failed about its node, succeeded clears it, cancelled says nothing.
    /// A backup that committed a snapshot with <paramref name="errors"/> (files unreadable or changed while read)
    /// raises snapshot.incomplete about the node; a backup that committed a complete snapshot clears it.
    /// </summary>
    public static void JobFinished(INotificationSink sink, JobKind kind, JobState state, string node, string job, string? error, string? snapshot, long errors = 0, IReadOnlyList<string>? warnings = null)
    {
        if (state == JobState.Succeeded && snapshot is not null && EventKinds.FailedJob(kind.ToString()) == EventKinds.BackupFailed)
        {
            SnapshotCommitted(sink, node, job, snapshot, errors, warnings ?? []);
        }

        var eventKind = EventKinds.FailedJob(kind.ToString());
        if (state == JobState.Failed)
        {
            var details = new Dictionary<string, string> { ["job"] = job, ["node"] = node, ["error"] = error ?? "" };
            if (snapshot is not null)
            {
                details["snapshot"] = snapshot;
            }

            sink.Publish(VaultEvent.Raise(eventKind, EventSeverity.Critical, NodeSubject(node),
                $"{kind.ToString().ToLowerInvariant()} job {job} on node {node} failed: {error}", details));
        }
        else if (state == JobState.Succeeded)
        {
            sink.Publish(VaultEvent.Clear(eventKind, NodeSubject(node), $"{kind.ToString().ToLowerInvariant()} job {job} on node {node} succeeded"));
        }
    }

    /// <summary>
    /// A job that a schedule could not even start (the node refused it: a path that no longer exists, a node that is
    /// down): the same &lt;kind&gt;.failed about the node as a job that failed, so every failed attempt is reported.
    /// </summary>
    public static void JobRefused(INotificationSink sink, string jobKind, string node, string schedule, string error) =>
        sink.Publish(VaultEvent.Raise(EventKinds.FailedJob(jobKind), EventSeverity.Critical, NodeSubject(node),
            $"{jobKind.ToLowerInvariant()} of schedule {schedule} on node {node} failed to start: {error}",
            new Dictionary<string, string> { ["schedule"] = schedule, ["node"] = node, ["error"] = error }));

    /// <summary>A job a schedule started on <paramref name="node"/> succeeded: clears the &lt;kind&gt;.failed its refusals raised on this silo.</summary>
    public static void JobSucceededForSchedule(INotificationSink sink, string jobKind, string node, string schedule) =>
        sink.Publish(VaultEvent.Clear(EventKinds.FailedJob(jobKind), NodeSubject(node), $"{jobKind.ToLowerInvariant()} of schedule {schedule} on node {node} succeeded"));

    /// <summary>snapshot.incomplete (Warning) when a committed backup skipped files; cleared by a complete one on the node.</summary>
    public static void SnapshotCommitted(INotificationSink sink, string node, string job, string snapshot, long errors, IReadOnlyList<string> warnings)
    {
        if (errors == 0)
        {
            sink.Publish(VaultEvent.Clear(EventKinds.SnapshotIncomplete, NodeSubject(node), $"backup job {job} on node {node} committed complete snapshot {snapshot}"));
            return;
        }

        var details = new Dictionary<string, string>
        {
            ["job"] = job,
            ["node"] = node,
            ["snapshot"] = snapshot,
            ["files not backed up"] = errors.ToString(CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < Math.Min(3, warnings.Count); i++)
        {
            details[$"warning {i + 1}"] = warnings[i];
        }

        sink.Publish(VaultEvent.Raise(EventKinds.SnapshotIncomplete, EventSeverity.Warning, NodeSubject(node),
            $"backup job {job} on node {node} committed snapshot {snapshot} without {errors} file(s) it could not read", details));
    }

    public static void ScheduleGaveUp(INotificationSink sink, string schedule, int attempts, string? error, DateTimeOffset? nextDue) =>
        sink.Publish(VaultEvent.Raise(EventKinds.ScheduleGaveUp, EventSeverity.Critical, "schedule:" + schedule,
            $"schedule {schedule} gave up after {attempts} attempt(s): {error}",
            new Dictionary<string, string>
            {
                ["schedule"] = schedule,
                ["attempts"] = attempts.ToString(CultureInfo.InvariantCulture),
                ["error"] = error ?? "",
                ["next due"] = nextDue?.ToString("u", CultureInfo.InvariantCulture) ?? "none",
            }));

    public static void ScheduleSucceeded(INotificationSink sink, string schedule) =>
        sink.Publish(VaultEvent.Clear(EventKinds.ScheduleGaveUp, "schedule:" + schedule, $"schedule {schedule} succeeded again"));

    public static void ScrubDamage(INotificationSink sink, string node, string pack, bool repaired, string problem, string? source) =>
        sink.Publish(VaultEvent.Raise(EventKinds.ScrubDamage, repaired ? EventSeverity.Warning : EventSeverity.Critical, "pack:" + pack,
            repaired
                ? $"scrub found pack {pack} damaged on node {node} ({problem}) and replaced it with node {source}'s copy"
                : $"scrub found pack {pack} damaged on node {node} ({problem}); no good copy was found ({source})",
            new Dictionary<string, string> { ["node"] = node, ["pack"] = pack, ["problem"] = problem, ["repaired"] = repaired ? "yes" : "no" }));

    public static void DecommissionFinished(INotificationSink sink, string node) =>
        sink.Publish(VaultEvent.Raise(EventKinds.DecommissionFinished, EventSeverity.Info, NodeSubject(node),
            $"node {node} is decommissioned: it holds no packs and can be removed"));

    public static void NodeDown(INotificationSink sink, string node) =>
        sink.Publish(VaultEvent.Raise(EventKinds.NodeDown, EventSeverity.Critical, NodeSubject(node), $"node {node} left the cluster"));

    public static void NodeUp(INotificationSink sink, string node)
    {
        sink.Publish(VaultEvent.Clear(EventKinds.NodeDown, NodeSubject(node), $"node {node} is back"));
        sink.Publish(VaultEvent.Raise(EventKinds.NodeUp, EventSeverity.Info, NodeSubject(node), $"node {node} joined the cluster"));
    }
}
