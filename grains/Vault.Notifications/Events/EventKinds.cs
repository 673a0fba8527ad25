namespace Vault.Notifications;

/// <summary>The stable event kinds (documented in docs/notifications.md; rules match on them, with "prefix.*" patterns).</summary>
public static class EventKinds
{
    public const string BackupFailed = "backup.failed";
    public const string RestoreFailed = "restore.failed";
    public const string CheckFailed = "check.failed";
    public const string GcFailed = "gc.failed";
    public const string JobFailed = "job.failed";
    public const string ScheduleGaveUp = "schedule.gave-up";
    public const string ScrubDamage = "scrub.damage";
    public const string PackUnderReplicated = "pack.under-replicated";
    public const string NodeDown = "node.down";
    public const string NodeUp = "node.up";
    public const string DecommissionFinished = "decommission.finished";
    public const string FailoverStarted = "failover.started";
    public const string FailoverFinished = "failover.finished";
    public const string FailoverHalted = "failover.halted";
    public const string SwitchoverDone = "switchover.done";
    public const string FailoverBlocked = "failover.blocked";
    public const string FailoverOldPrimaryReturned = "failover.old-primary-returned";
    public const string FailoverRejoinStarted = "failover.rejoin-started";
    public const string FailoverRejoined = "failover.rejoined";
    public const string ChannelFailing = "channel.failing";
    public const string Test = "notify.test";
    public const string OffsiteLagging = "offsite.lagging";
    public const string SnapshotIncomplete = "snapshot.incomplete";
    public const string CertificateExpiring = "certificate.expiring";
    public const string ApiKeyExpiring = "apikey.expiring";

    public static IReadOnlyList<string> All { get; } =
    [
        BackupFailed, RestoreFailed, CheckFailed, GcFailed, JobFailed, ScheduleGaveUp, ScrubDamage, PackUnderReplicated,
        NodeDown, NodeUp, DecommissionFinished, FailoverStarted, FailoverFinished, FailoverHalted, SwitchoverDone, FailoverBlocked, FailoverOldPrimaryReturned,
        FailoverRejoinStarted, FailoverRejoined,
        ChannelFailing, Test, OffsiteLagging, SnapshotIncomplete, CertificateExpiring, ApiKeyExpiring,
    ];

    /// <summary>The failure kind of a job by its kind name (backup, restore, check, gc); others are job.failed.</summary>
    public static string FailedJob(string jobKind) => jobKind.ToLowerInvariant() switch
    {
        "backup" or "stream-backup" or "stdin-backup" => BackupFailed,
        "restore" => RestoreFailed,
        "check" => CheckFailed,
        "gc" => GcFailed,
        _ => JobFailed,
    };
}
