using System.Globalization;
using Vault.Grains.Snapshots;
using Vault.Peers;
using Vault.Retention;
using Vault.Schedules;
using Vault.Snapshots;

namespace Vault.Grains.Schedules;

/// <summary>A job a schedule started and follows to its end: a backup's job, or a GC run.</summary>
[GenerateSerializer, Immutable, Alias("vault.schedule-followed")]
public sealed record FollowedJob(ScheduleKind Kind, string Node, JobId Job, Guid? GcRun);

/// <summary>Where an attempt stands: still following a job, or finished (succeeded with a detail, or failed with an error).</summary>
public sealed record AttemptStep(FollowedJob? Following, string? Detail, string? Error)
{
    public bool Succeeded => Following is null && Error is null;

    public static AttemptStep Follow(FollowedJob job) => new(job, null, null);

    public static AttemptStep Done(string detail) => new(null, detail, null);

    public static AttemptStep Failed(string error) => new(null, null, error);
}

/// <summary>
/// What each kind of schedule does: start its action, and tell how a followed job ended. A new kind
/// adds a case to both switches. Exceptions are left to the caller, which records them as a failed attempt.
/// </summary>
public sealed class ScheduleActions(IGrainFactory grains)
{
    public async Task<AttemptStep> StartAsync(ScheduleSpec spec) => spec.Kind switch
    {
        ScheduleKind.Backup => FromJob(await grains.GetGrain<IPeerGrain>(spec.Node!)
            .StartBackupAsync(new BackupRequest(spec.Paths, spec.Tags, spec.Excludes, Parent: null))),
        ScheduleKind.Forget => Forgotten(await grains.GetGrain<ISnapshotCatalogGrain>(SnapshotCatalogGrain.DefaultRepository).ForgetAsync(new ForgetRequest
        {
            Policy = spec.Retention,
            Node = spec.Node,
            Path = spec.Paths.Count > 0 ? spec.Paths[0] : null,
            Tag = spec.Tags.Count > 0 ? spec.Tags[0] : null,
        })),
        ScheduleKind.Gc => FromGc(await Retention.StartGcAsync(new GcRequest(), spec.Node), runId: null),
        _ => throw new InvalidRequestException($"schedule kind {spec.Kind} cannot be run"),
    };

    public async Task<AttemptStep> PollAsync(FollowedJob job) => job.Kind switch
    {
        ScheduleKind.Backup => FromJob(await grains.GetGrain<IPeerGrain>(job.Node).GetJobAsync(job.Job)),
        ScheduleKind.Gc => FromGc(await Retention.GetGcStatusAsync(), job.GcRun),
        _ => throw new InvalidRequestException($"schedule kind {job.Kind} has no job to follow"),
    };

    private IRetentionGrain Retention => grains.GetGrain<IRetentionGrain>("default");

    private static AttemptStep FromJob(JobInfo job) => job.State switch
    {
        JobState.Running => AttemptStep.Follow(new FollowedJob(ScheduleKind.Backup, job.Node, job.Id, null)),
        JobState.Succeeded => AttemptStep.Done(job.Progress.Errors > 0
            ? string.Create(CultureInfo.InvariantCulture, $"snapshot {job.Snapshot} (incomplete: {job.Progress.Errors} files could not be read)")
            : $"snapshot {job.Snapshot}"),
        JobState.Cancelled => AttemptStep.Failed($"backup job {job.Id} on node '{job.Node}' was cancelled"),
        _ => AttemptStep.Failed($"backup job {job.Id} on node '{job.Node}' failed: {job.Error ?? "no reason given"}"),
    };

    private static AttemptStep Forgotten(ForgetResult result) =>
        AttemptStep.Done(string.Create(CultureInfo.InvariantCulture, $"kept {result.Kept} snapshots, removed {result.Removed}"));

    /// <summary>The step of a GC run: <paramref name="runId"/> null = the run just started (the current one).</summary>
    private static AttemptStep FromGc(GcStatus status, Guid? runId)
    {
        if (runId is null)
        {
            return status.Current is { } started
                ? AttemptStep.Follow(new FollowedJob(ScheduleKind.Gc, started.Node, started.Job, started.RunId))
                : AttemptStep.Failed("the GC run did not start");
        }

        if (status.Current?.RunId == runId)
        {
            return AttemptStep.Follow(new FollowedJob(ScheduleKind.Gc, status.Current.Node, status.Current.Job, runId));
        }

        return status.Last is { } last && last.RunId == runId
            ? last.Outcome == GcOutcome.Succeeded
                ? AttemptStep.Done(string.Create(CultureInfo.InvariantCulture, $"GC freed {last.BytesFreed} bytes ({last.PacksDeleted} packs deleted, {last.PacksRepacked} repacked)"))
                : AttemptStep.Failed($"GC run {runId} on node '{last.Node}' failed: {last.Error ?? "no reason given"}")
            : AttemptStep.Failed($"GC run {runId} is no longer known to the retention grain");
    }
}
