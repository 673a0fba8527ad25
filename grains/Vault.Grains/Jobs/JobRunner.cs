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
/// records queryable. Finished records are kept for a while (the newest 200).
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
    Vault.Notifications.INotificationSink notifications,
    ILoggerFactory loggers)
{
    private const int KeepFinished = 200;
    private readonly ConcurrentDictionary<JobId, JobRecord> _jobs = new();
    private readonly ILogger _logger = loggers.CreateLogger<JobRunner>();

    public int Running => _jobs.Values.Count(j => j.State == JobState.Running);

    public JobRecord StartBackup(BackupRequest request, SnapshotInfo? parent)
    {
        var record = new JobRecord(JobKind.Backup, node.NodeId) { Snapshot = SnapshotId.New() };
        var job = new BackupJob(node, index, trees, grains, record, request, parent, loggers.CreateLogger<BackupJob>(), replicator);
        return Start(record, job.RunAsync);
    }

    public JobRecord StartRestore(RestoreRequest request, SnapshotInfo snapshot)
    {
        var record = new JobRecord(JobKind.Restore, node.NodeId) { Snapshot = snapshot.Id };
        var job = new RestoreJob(node, index, trees, packs, record, request, snapshot, loggers.CreateLogger<RestoreJob>());
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

    private JobRecord Start(JobRecord record, Func<CancellationToken, Task> run)
    {
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
                record.Cancel();
            }
            catch (Exception e) when (e is VaultException or StorageException)
            {
                _logger.JobFailed(record.Kind, record.Id, e.Message);
                VaultMetrics.Error(VaultMetrics.ErrorType(e), record.Node);
                record.Fail(e.Message);
            }
            catch (Exception e)
            {
                _logger.JobCrashed(e, record.Kind, record.Id);
                VaultMetrics.Error("unexpected", record.Node);
                record.Fail($"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                VaultMetrics.JobFinished(record.Kind, record.Node, record.State, clock.Elapsed);
                activity?.SetStatus(record.State == JobState.Succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error, record.Error);
                Notifications.NodeEvents.JobFinished(notifications, record.Kind, record.State, record.Node, record.Id.ToString(), record.Error, record.Snapshot?.ToString());
            }
        }, CancellationToken.None);
        return record;
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
