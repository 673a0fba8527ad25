using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Vault.Grains.Node;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;

namespace Vault.Grains.Retention;

[GenerateSerializer, Alias("vault.lease-record")]
public sealed record LeaseRecord([property: Id(0)] string Owner, [property: Id(1)] DateTimeOffset Acquired, [property: Id(2)] DateTimeOffset Expires);

[GenerateSerializer, Alias("vault.retention-state")]
public sealed class RetentionState
{
    [Id(0)] public GcRun? Current { get; set; }
    [Id(1)] public GcRun? Last { get; set; }
    [Id(2)] public Dictionary<Guid, LeaseRecord> Leases { get; set; } = [];
    /// <summary>The leases held when the current run finished condemning: it waits for all of them.</summary>
    [Id(3)] public List<Guid> Captured { get; set; } = [];
    /// <summary>A run that ended without finishing; the next run ends it first.</summary>
    [Id(4)] public Guid Unfinished { get; set; }
    [Id(5)] public bool UnfinishedSwept { get; set; }
    /// <summary>Commits whose intent is recorded (by lease): finished by a retry or by <see cref="RetentionGrain.RecoverCommitsAsync"/>.</summary>
    [Id(6)] public Dictionary<Guid, SnapshotInfo> Committing { get; set; } = [];
    /// <summary>Checkpoints of running and abandoned backups (by lease), which GC keeps.</summary>
    [Id(7)] public Dictionary<Guid, CheckpointRecord> Checkpoints { get; set; } = [];
}

/// <summary>
/// The repository's garbage collection: one run at a time, its status, and the backup leases that
/// keep GC from deleting what a running backup deduplicated against. Lease changes, commits under
/// a lease and GC's look at the leases are all turns of this one grain, so they never interleave.
/// The run itself is a job on a node (<see cref="GcJob"/>); this grain only records it.
/// </summary>
public sealed partial class RetentionGrain(
    [PersistentState("retention", VaultStorage.State)] IPersistentState<RetentionState> state,
    VaultNode local,
    RetentionSettings settings,
    IClusterMembershipService membership,
    Backup.CommitFaults faults,
    TimeProvider time,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain
{
    public const string DefaultRepository = "default";
    private static readonly TimeSpan JobProbeTimeout = TimeSpan.FromSeconds(10);

    public async Task<GcStatus> StartGcAsync(GcRequest request, string? node = null)
    {
        var threshold = request.RepackThreshold ?? settings.RepackThreshold;
        if (double.IsNaN(threshold) || threshold <= 0 || threshold > 1)
        {
            throw new InvalidRequestException($"repack threshold {threshold} must be above 0 and at most 1 (the fraction of unreferenced bytes that makes a pack worth rewriting)");
        }

        await CheckCurrentAlive();
        if (state.State.Current is not null)
        {
            return Status();
        }

        var target = string.IsNullOrWhiteSpace(node) ? local.NodeId : node;
        var run = Guid.CreateVersion7();
        var job = await GrainFactory.GetGrain<IPeerGrain>(target).StartGcAsync(
            new GcJobRequest(run, state.State.Unfinished, state.State.UnfinishedSwept, threshold, request.DryRun));
        state.State.Current = new GcRun(run, GcOutcome.Running, GcPhase.Marking, target, job.Id, DateTimeOffset.UtcNow, null, request.DryRun, 0, 0, 0, 0, 0, 0, null);
        state.State.Captured = [];
        await state.WriteStateAsync();
        LogGcStarted(run, target, request.DryRun);
        return Status();
    }

    public async Task<GcStatus> GetGcStatusAsync()
    {
        await CheckCurrentAlive();
        return Status();
    }

    public async Task<BackupLease> AcquireLeaseAsync(string owner)
    {
        var now = time.GetUtcNow();
        // An expired lease is revoked: its backup can no longer commit.
        foreach (var (id, lease) in state.State.Leases.Where(l => l.Value.Expires < now && !state.State.Committing.ContainsKey(l.Key)).ToList())
        {
            state.State.Leases.Remove(id);
            LogLeaseExpired(id, lease.Owner);
        }

        var grant = new LeaseRecord(owner, now, now + settings.LeaseDuration);
        var leaseId = Guid.NewGuid();
        state.State.Leases[leaseId] = grant;
        await state.WriteStateAsync();
        return new BackupLease(leaseId, grant.Expires, settings.LeaseDuration / 3);
    }

    public async Task<BackupLease> RenewLeaseAsync(Guid lease)
    {
        var current = Valid(lease);
        var renewed = current with { Expires = time.GetUtcNow() + settings.LeaseDuration };
        state.State.Leases[lease] = renewed;
        await state.WriteStateAsync();
        return new BackupLease(lease, renewed.Expires, settings.LeaseDuration / 3);
    }


    public async Task ReportGcAsync(GcRun progress)
    {
        var current = Current(progress.RunId);
        // The job ends the previous unfinished run before its first report.
        state.State.Unfinished = Guid.Empty;
        state.State.UnfinishedSwept = false;

        state.State.Current = progress with { Outcome = GcOutcome.Running, Node = current.Node, Job = current.Job, Started = current.Started };
        await state.WriteStateAsync();
    }

    public async Task CaptureLeasesAsync(Guid run)
    {
        Current(run);
        state.State.Captured = state.State.Leases.Keys.ToList();
        await state.WriteStateAsync();
    }

    public async Task<int> CapturedLeasesHeldAsync(Guid run)
    {
        Current(run);
        var now = time.GetUtcNow();
        var held = 0;
        var changed = false;
        foreach (var id in state.State.Captured)
        {
            if (!state.State.Leases.TryGetValue(id, out var lease))
            {
                continue;
            }

            if (lease.Expires < now && !state.State.Committing.ContainsKey(id))
            {
                state.State.Leases.Remove(id);
                LogLeaseExpired(id, lease.Owner);
                changed = true;
                continue;
            }

            held++;
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        return held;
    }

    public async Task FinishGcAsync(GcRun result)
    {
        var current = Current(result.RunId);
        var finished = result with { Node = current.Node, Job = current.Job, Started = current.Started, Finished = result.Finished ?? DateTimeOffset.UtcNow };
        End(finished);
        await state.WriteStateAsync();
        LogGcFinished(finished.RunId, finished.Outcome, finished.PacksDeleted, finished.PacksRepacked, finished.BytesFreed, finished.Error ?? "");
    }

    private GcStatus Status() => new(state.State.Current, state.State.Last);

    private GcRun Current(Guid run) =>
        state.State.Current is { } current && current.RunId == run
            ? current
            : throw new GcRunSupersededException($"GC run {run:N} is no longer the current run");

    private LeaseRecord Valid(Guid lease)
    {
        if (!state.State.Leases.TryGetValue(lease, out var current))
        {
            throw new LeaseExpiredException("the backup's lease expired (its node stalled or lost contact) and garbage collection may have removed data it relied on; nothing was committed — run the backup again");
        }

        if (current.Expires < time.GetUtcNow())
        {
            state.State.Leases.Remove(lease);
            throw new LeaseExpiredException($"the backup's lease expired at {current.Expires:O}; nothing was committed — run the backup again");
        }

        return current;
    }

    // A run whose job is gone (node restarted, job crashed before reporting) is recorded as failed;
    // the next run first ends what it left (see GcJob).
    private async Task CheckCurrentAlive()
    {
        if (state.State.Current is not { } current)
        {
            return;
        }

        string? gone;
        try
        {
            var job = await GrainFactory.GetGrain<IPeerGrain>(current.Node).GetJobAsync(current.Job).WaitAsync(JobProbeTimeout);
            gone = job.State == JobState.Running ? null : $"its job ended ({job.State.ToString().ToLowerInvariant()}: {job.Error}) without reporting";
        }
        catch (JobNotFoundException e)
        {
            gone = $"its job on node '{current.Node}' is gone ({e.Message})";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unanswered is not gone: only a node that left the cluster cannot still be deleting.
            if (membership.CurrentSnapshot.Members.Values.Any(m => m.Name == current.Node && m.Status == SiloStatus.Active))
            {
                LogRunUnknown(current.RunId, current.Node, e.Message);
                return;
            }

            gone = $"node '{current.Node}' is no longer in the cluster ({e.Message})";
        }

        if (gone is null || state.State.Current?.RunId != current.RunId)
        {
            return;
        }

        End(current with { Outcome = GcOutcome.Failed, Finished = DateTimeOffset.UtcNow, Error = "interrupted: " + gone });
        await state.WriteStateAsync();
    }

    private void End(GcRun finished)
    {
        // A run that never reported did not get to end the unfinished one before it, nor to condemn anything.
        if (finished.Outcome != GcOutcome.Succeeded && state.State.Unfinished == Guid.Empty)
        {
            state.State.Unfinished = finished.RunId;
            state.State.UnfinishedSwept = finished.Phase >= GcPhase.Sweeping;
        }

        state.State.Current = null;
        state.State.Captured = [];
        state.State.Last = finished;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GC run {Run} started on node {Node} (dry run: {DryRun})")]
    private partial void LogGcStarted(Guid run, string node, bool dryRun);

    [LoggerMessage(Level = LogLevel.Information, Message = "GC run {Run} ended {Outcome}: {Packs} packs deleted, {Repacked} repacked, {Bytes} bytes freed {Error}")]
    private partial void LogGcFinished(Guid run, GcOutcome outcome, long packs, long repacked, long bytes, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GC run {Run} on node {Node} did not answer ({Reason}); still counted as running")]
    private partial void LogRunUnknown(Guid run, string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backup lease {Lease} of {Owner} expired and was revoked")]
    private partial void LogLeaseExpired(Guid lease, string owner);
}
