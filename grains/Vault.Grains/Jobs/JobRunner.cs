using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vault.Grains.Backup;
using Vault.Grains.Check;
using Vault.Grains.Chunks;
using Vault.Grains.Node;
using Vault.Grains.Replication;
using Vault.Grains.Restore;
using Vault.Grains.Telemetry;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Jobs;

/// <summary>
/// Runs this node's long jobs on the thread pool, outside any grain turn, and keeps their
/// records queryable. Finished records are kept for a while (the newest 200). Takes part in the
/// silo's lifecycle: when the silo stops it accepts no new job, cancels the running ones and
/// records them as interrupted (a backup commits nothing), before grains are deactivated.
/// </summary>
public sealed class JobRunner(
    VaultNode node,
    IGrainFactory grains,
    ChunkIndex index,
    TreeStore trees,
    PackReader packs,
    PackReplicator replicator,
    ClusterView view,
    Retention.RetentionSettings retention,
    RestoreLimits restoreLimits,
    IngestPath ingest,
    Vault.Notifications.INotificationSink notifications,
    ILoggerFactory loggers) : ILifecycleParticipant<ISiloLifecycle>
{
    private const int KeepFinished = 200;
    private readonly ConcurrentDictionary<JobId, JobRecord> _jobs = new();
    private readonly ILogger _logger = loggers.CreateLogger<JobRunner>();
    private volatile bool _stopping;

    /// <summary>How long a stopping silo waits for its cancelled jobs to end.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    public int Running => _jobs.Values.Count(j => j.State == JobState.Running);

    public JobRecord StartBackup(BackupRequest request, SnapshotInfo? parent)
    {
        var record = new JobRecord(JobKind.Backup, node.NodeId) { Snapshot = SnapshotId.New() };
        var job = new BackupJob(node, ingest, trees, grains, record, request, parent, loggers.CreateLogger<BackupJob>());
        return Start(record, job.RunAsync);
    }

    public JobRecord StartRestore(RestoreRequest request, SnapshotInfo snapshot)
    {
        var record = new JobRecord(JobKind.Restore, node.NodeId) { Snapshot = snapshot.Id };
        var job = new RestoreJob(node, index, trees, packs, record, request, snapshot, loggers.CreateLogger<RestoreJob>(), restoreLimits);
        return Start(record, job.RunAsync);
    }

    public JobRecord StartGc(Vault.Retention.GcJobRequest request)
    {
        var record = new JobRecord(JobKind.Gc, node.NodeId);
        var job = new Retention.GcJob(node, index, trees, packs, replicator, view, grains, retention, record, request, loggers.CreateLogger<Retention.GcJob>());
        return Start(record, job.RunAsync);
    }

    public JobRecord StartCheck(CheckRequest request)
    {
        var record = new JobRecord(JobKind.Check, node.NodeId);
        var job = new CheckJob(node, grains, index, trees, packs, view, record, request, loggers.CreateLogger<CheckJob>());
        return Start(record, job.RunAsync);
    }

    /// <summary>Makes a job driven from outside (a stream backup) queryable like the others.</summary>
    public void Track(JobRecord record)
    {
        _jobs[record.Id] = record;
        Trim();
    }

    public JobRecord Get(JobId id) =>
        _jobs.TryGetValue(id, out var job) ? job : throw new JobNotFoundException($"node '{node.NodeId}' has no job {id} (unknown, or the node restarted since)");

    public IReadOnlyList<JobRecord> List() => _jobs.Values.OrderBy(j => j.Started).ToList();

    public void Cancel(JobId id) => Get(id).Cancellation.Cancel();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(JobRunner), ServiceLifecycleStage.Active, _ => Task.CompletedTask, StopAsync);

    /// <summary>
    /// Stops accepting jobs, cancels the running ones (each ends as interrupted) and waits for them to
    /// end, at most <see cref="StopGrace"/> or until <paramref name="ct"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        _stopping = true;
        var running = _jobs.Values.Where(j => j.State == JobState.Running).ToList();
        foreach (var job in running)
        {
            await job.Cancellation.CancelAsync();
        }

        try
        {
            await Task.WhenAll(running.Select(j => j.Completion)).WaitAsync(StopGrace, ct);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            foreach (var job in running.Where(j => j.State == JobState.Running))
            {
                job.Fail(new JobFailure(ErrorCode.Interrupted, $"node '{node.NodeId}' stopped while {job.Kind.ToString().ToLowerInvariant()} job {job.Id} ran; the job was cancelled but had not ended {StopGrace.TotalSeconds:F0} s later"));
            }
        }
    }

    private JobFailure Interrupted(JobRecord record) =>
        new(ErrorCode.Interrupted, $"node '{node.NodeId}' stopped while {record.Kind.ToString().ToLowerInvariant()} job {record.Id} ran; it was cancelled before it finished (a backup commits nothing)");

    private JobRecord Start(JobRecord record, Func<CancellationToken, Task> run)
    {
        if (_stopping)
        {
            throw new NodeUnavailableException($"node '{node.NodeId}' is shutting down and accepts no new jobs; use another node or try again once it is back");
        }

        _jobs[record.Id] = record;
        Trim();
        var ct = record.Cancellation.Token;
        VaultMetrics.JobStarted(record.Kind, record.Node);
        record.Completion = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            using var activity = VaultTracing.Source.StartActivity("vault." + record.Kind.ToString().ToLowerInvariant());
            activity?.SetTag("vault.node", record.Node).SetTag("vault.job", record.Id.ToString()).SetTag("vault.snapshot", record.Snapshot?.ToString());
            try
            {
                await run(ct);
                record.Succeed();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                if (_stopping)
                {
                    record.Fail(Interrupted(record));
                }
                else
                {
                    record.Cancel();
                }
            }
            catch (Exception e)
            {
                record.Fail(Failed(record, e));
            }
            finally
            {
                VaultMetrics.JobFinished(record.Kind, record.Node, record.State, clock.Elapsed);
                activity?.SetStatus(record.State == JobState.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, record.Error);
                Notifications.NodeEvents.JobFinished(notifications, record.Kind, record.State, record.Node, record.Id.ToString(), record.Error, record.Snapshot?.ToString(), record.Errors, record.ToInfo().Warnings);
            }
        }, CancellationToken.None);
        return record;
    }

    /// <summary>
    /// The typed failure of a job that threw <paramref name="e"/>, logged. Vault's own errors keep their
    /// message; an unexpected one is logged with its stack and reported only by where to look.
    /// </summary>
    public JobFailure Failed(JobRecord record, Exception e)
    {
        var failure = JobFailures.From(e, record);
        if (!ErrorTable.Classify(e).MessageIsPublic)
        {
            _logger.JobCrashed(e, record.Kind, record.Id);
            VaultMetrics.Error("unexpected", record.Node);
        }
        else
        {
            _logger.JobFailed(record.Kind, record.Id, e.Message);
            VaultMetrics.Error(VaultMetrics.ErrorType(e), record.Node);
        }

        return failure;
    }

    private void Trim()
    {
        var finished = _jobs.Values.Where(j => j.State != JobState.Running).OrderBy(j => j.Started).ToList();
        for (var i = 0; i < finished.Count - KeepFinished; i++)
        {
            _jobs.TryRemove(finished[i].Id, out _);
        }
    }
}
