using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Retention;

/// <summary>Which snapshots a retention policy treats as one history (restic's --group-by).</summary>
[Flags]
public enum RetentionGrouping
{
    None = 0,
    Node = 1,
    Paths = 2,
    Tags = 4,
}

/// <summary>
/// Which snapshots to keep (restic semantics). A count of 0 leaves that rule off; -1 keeps every
/// snapshot the rule matches. A snapshot kept by any rule is kept; a policy with no rule at all is
/// refused rather than read as "remove everything".
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.retention-policy")]
public sealed record RetentionPolicy
{
    [Id(0)] public int KeepLast { get; init; }
    [Id(1)] public int KeepHourly { get; init; }
    [Id(2)] public int KeepDaily { get; init; }
    [Id(3)] public int KeepWeekly { get; init; }
    [Id(4)] public int KeepMonthly { get; init; }
    [Id(5)] public int KeepYearly { get; init; }
    /// <summary>Keeps every snapshot younger than this, measured from the newest snapshot of the group.</summary>
    [Id(6)] public TimeSpan? KeepWithin { get; init; }
    /// <summary>Keeps every snapshot carrying any of these tags.</summary>
    [Id(7)] public IReadOnlyList<string> KeepTags { get; init; } = [];
    [Id(8)] public RetentionGrouping GroupBy { get; init; } = DefaultGrouping;

    /// <summary>Snapshots of the same node and the same set of paths form one history, unless told otherwise.</summary>
    public const RetentionGrouping DefaultGrouping = RetentionGrouping.Node | RetentionGrouping.Paths;

    /// <summary>True when no rule is set: such a policy would keep nothing, so it is refused.</summary>
    public bool IsEmpty =>
        KeepLast == 0 && KeepHourly == 0 && KeepDaily == 0 && KeepWeekly == 0 && KeepMonthly == 0 && KeepYearly == 0
        && (KeepWithin is null || KeepWithin == TimeSpan.Zero) && KeepTags.Count == 0;

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the first rule that is out of range, or when no rule is set.</summary>
    public void Validate()
    {
        foreach (var (name, count) in (ReadOnlySpan<(string, int)>)[
            ("keep-last", KeepLast), ("keep-hourly", KeepHourly), ("keep-daily", KeepDaily),
            ("keep-weekly", KeepWeekly), ("keep-monthly", KeepMonthly), ("keep-yearly", KeepYearly)])
        {
            if (count < -1)
            {
                throw new InvalidRequestException($"{name} is {count}; must be a positive count, -1 (unlimited) or 0 (off)");
            }
        }

        if (KeepWithin is { } within && within < TimeSpan.Zero)
        {
            throw new InvalidRequestException($"keep-within is {within}; must not be negative");
        }

        if (KeepTags.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidRequestException("keep-tag must not be empty");
        }

        if ((GroupBy & ~(RetentionGrouping.Node | RetentionGrouping.Paths | RetentionGrouping.Tags)) != 0)
        {
            throw new InvalidRequestException($"group-by {(int)GroupBy} is not valid; combine node, paths and tags, or none");
        }

        if (IsEmpty)
        {
            throw new InvalidRequestException(
                "the retention policy has no rule: set at least one of keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, " +
                "keep-yearly, keep-within or keep-tag (a policy without rules would remove every snapshot, so it is refused)");
        }
    }
}

/// <summary>Forget snapshots by policy, or by id. Filters pick which snapshots the policy sees.</summary>
[GenerateSerializer, Immutable, Alias("vault.forget-request")]
public sealed record ForgetRequest
{
    [Id(0)] public RetentionPolicy? Policy { get; init; }
    /// <summary>Forget exactly these (ids or unique prefixes), in addition to what the policy removes.</summary>
    [Id(1)] public IReadOnlyList<string> Snapshots { get; init; } = [];
    [Id(2)] public string? Node { get; init; }
    [Id(3)] public string? Tag { get; init; }
    [Id(4)] public string? Path { get; init; }
    /// <summary>Compute and return the plan; change nothing.</summary>
    [Id(5)] public bool DryRun { get; init; }

    /// <summary>Throws <see cref="InvalidRequestException"/> when there is nothing to forget by, or the policy is not valid.</summary>
    public void Validate()
    {
        if (Policy is null && Snapshots.Count == 0)
        {
            throw new InvalidRequestException(
                "forget needs a retention policy (keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly, keep-within or keep-tag) or snapshot ids");
        }

        Policy?.Validate();
        if (Snapshots.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidRequestException("a snapshot to forget must not be empty (give an id, a unique id prefix, or 'latest')");
        }
    }
}

/// <summary>
/// The verdict for one snapshot: kept, with every rule that kept it ("last snapshot", "daily snapshot", "within 7d",
/// "tag prod"...), or removed (by the policy: no reason; because the request named it: "named").
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.retention-decision")]
public sealed record RetentionDecision(SnapshotInfo Snapshot, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>One history (same node / paths / tags as the grouping says), newest first.</summary>
[GenerateSerializer, Immutable, Alias("vault.retention-group")]
public sealed record RetentionGroup(string? Node, IReadOnlyList<string>? Paths, IReadOnlyList<string>? Tags, IReadOnlyList<RetentionDecision> Decisions);

/// <summary>The plan of a forget (what was removed, unless <see cref="DryRun"/>), with the totals over every group.</summary>
[GenerateSerializer, Immutable, Alias("vault.forget-result")]
public sealed record ForgetResult(IReadOnlyList<RetentionGroup> Groups, int Kept, int Removed, bool DryRun);

/// <summary>Options of one garbage collection run (defaults come from the node's configuration).</summary>
[GenerateSerializer, Immutable, Alias("vault.gc-request")]
public sealed record GcRequest
{
    /// <summary>Rewrite a pack when at least this fraction of its bytes is unreferenced (0 &lt; x ≤ 1); null = configured.</summary>
    [Id(0)] public double? RepackThreshold { get; init; }
    /// <summary>Report what would be freed; change nothing.</summary>
    [Id(1)] public bool DryRun { get; init; }
}

public enum GcPhase
{
    Idle = 0,
    Marking = 1,
    Condemning = 2,
    WaitingForBackups = 3,
    Remarking = 4,
    Sweeping = 5,
    Finishing = 6,
}

public enum GcOutcome
{
    None = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
}

[GenerateSerializer, Immutable, Alias("vault.gc-run")]
public sealed record GcRun(
    Guid RunId,
    GcOutcome Outcome,
    GcPhase Phase,
    string Node,
    JobId Job,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    bool DryRun,
    long SnapshotsMarked,
    long ChunksLive,
    long ChunksRemoved,
    long PacksDeleted,
    long PacksRepacked,
    long BytesFreed,
    string? Error);

[GenerateSerializer, Immutable, Alias("vault.gc-status")]
public sealed record GcStatus(GcRun? Current, GcRun? Last);

/// <summary>
/// The repository's retention and garbage collection (key: "default"). Leases: a backup holds one
/// from before its first index lookup until its snapshot is committed; GC waits for the leases of
/// backups that could have deduplicated against data it is about to delete.
/// </summary>
public interface IRetentionGrain : IGrainWithStringKey
{
    /// <summary>Starts a GC run on <paramref name="node"/> (null: any live node), or returns the running one.</summary>
    Task<GcStatus> StartGcAsync(GcRequest request, string? node = null);

    Task<GcStatus> GetGcStatusAsync();

    /// <summary>Takes a lease for a backup about to deduplicate against the index.</summary>
    Task<BackupLease> AcquireLeaseAsync(string owner);

    /// <summary>Extends a lease; throws <see cref="LeaseExpiredException"/> when it already expired (the backup must not commit).</summary>
    Task<BackupLease> RenewLeaseAsync(Guid lease);

    /// <summary>
    /// Commits a backup's snapshot under its lease, then releases the lease. Serialized with GC's
    /// view of the leases: either the commit lands before GC looks, or the lease already expired and
    /// the commit is refused with <see cref="LeaseExpiredException"/> (nothing committed).
    /// </summary>
    Task CommitSnapshotAsync(Guid lease, SnapshotInfo committed);

    Task ReleaseLeaseAsync(Guid lease);

    // Called by the GC job of the current run.

    /// <summary>Records progress; throws <see cref="GcRunSupersededException"/> when <paramref name="run"/> is no longer the current run.</summary>
    Task ReportGcAsync(GcRun progress);

    /// <summary>Remembers the leases held right now: the backups that may have deduplicated against condemned entries.</summary>
    Task CaptureLeasesAsync(Guid run);

    /// <summary>How many captured leases are still held (expired ones are revoked and no longer count).</summary>
    Task<int> CapturedLeasesHeldAsync(Guid run);

    Task FinishGcAsync(GcRun result);

    /// <summary>Records a running backup's checkpoint under its lease; throws <see cref="LeaseExpiredException"/> when the lease expired.</summary>
    Task CheckpointAsync(Guid lease, BackupCheckpoint checkpoint);

    /// <summary>The packs of the checkpoints GC must keep (running backups and abandoned ones not older than the keep time).</summary>
    Task<IReadOnlyList<PackId>> ListCheckpointPacksAsync();

    /// <summary>Finishes every commit whose intent was recorded but not completed (a crash in the middle); returns how many.</summary>
    Task<int> RecoverCommitsAsync();
}

/// <summary>What a node's GC job is asked to do.</summary>
[GenerateSerializer, Immutable, Alias("vault.gc-job-request")]
public sealed record GcJobRequest(
    Guid Run,
    /// <summary>An earlier run that ended without finishing (Guid.Empty: none) and whether it had reached the sweep.</summary>
    Guid Unfinished,
    bool UnfinishedSwept,
    double RepackThreshold,
    bool DryRun);

/// <summary>The GC run was cancelled or replaced by a newer one; this job must stop.</summary>
[GenerateSerializer, Alias("vault.gc-run-superseded")]
public sealed class GcRunSupersededException(string message) : VaultException(message);

[GenerateSerializer, Immutable, Alias("vault.backup-lease")]
public sealed record BackupLease(Guid Id, DateTimeOffset Expires, TimeSpan Renewal);

/// <summary>A backup's lease ran out (its node stalled or lost contact) and GC may have deleted data it relied on; run it again.</summary>
[GenerateSerializer, Alias("vault.lease-expired")]
public sealed class LeaseExpiredException(string message) : VaultException(message);

/// <summary>What `vault check` examines.</summary>
[GenerateSerializer, Immutable, Alias("vault.check-request")]
public sealed record CheckRequest
{
    /// <summary>Percent of packs (0–100) whose data is read, decrypted and verified; 0 = structure only.</summary>
    [Id(0)] public double ReadDataPercent { get; init; }

    /// <summary>
    /// Where the read-data window starts (0 ≤ x &lt; 100): packs are placed on a 0–100 circle by their
    /// id, and those in [offset, offset + percent) are read. Null = a random offset, so repeated partial
    /// checks cover different packs; offsets 0, p, 2p… cover everything in 100/p runs.
    /// </summary>
    [Id(1)] public double? ReadDataOffset { get; init; }
}
