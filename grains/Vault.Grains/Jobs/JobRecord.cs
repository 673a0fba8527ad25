using System.Collections.Concurrent;
using Vault.Grains.Telemetry;
using Vault.Peers;

namespace Vault.Grains.Jobs;

/// <summary>
/// The live, queryable record of one job on this node. Counters are updated lock-free by the
/// job's workers and read as a consistent-enough snapshot by <see cref="ToInfo"/>.
/// </summary>
public sealed class JobRecord(JobKind kind, string node)
{
    public const int MaxWarnings = 100;

    private readonly ConcurrentQueue<string> _warnings = new();
    private long _filesDone, _filesTotal, _bytesDone, _bytesTotal, _bytesNew, _bytesStored;
    private long _filesUnchanged, _chunksNew, _chunksDeduplicated, _errors;
    private volatile bool _totalsKnown;

    public JobId Id { get; } = JobId.New();

    public JobKind Kind { get; } = kind;

    public string Node { get; } = node;

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? Finished { get; private set; }

    public JobState State { get; private set; } = JobState.Running;

    public string? Error => Failure?.Message;

    /// <summary>Why the job failed or was cancelled; null while it runs or after success.</summary>
    public JobFailure? Failure { get; private set; }

    public SnapshotId? Snapshot { get; set; }

    public CancellationTokenSource Cancellation { get; } = new();

    public Task Completion { get; set; } = Task.CompletedTask;

    public long Errors => Interlocked.Read(ref _errors);

    public void AddFilesTotal(long n, long bytes)
    {
        Interlocked.Add(ref _filesTotal, n);
        Interlocked.Add(ref _bytesTotal, bytes);
    }

    public void TotalsKnown() => _totalsKnown = true;

    public void FileDone(long bytes, bool unchanged)
    {
        Interlocked.Increment(ref _filesDone);
        if (unchanged)
        {
            Interlocked.Increment(ref _filesUnchanged);
            Interlocked.Add(ref _bytesDone, bytes);
            VaultMetrics.BackupBytesAdd("unchanged", bytes, Node);
        }
    }

    public void BytesRead(long n)
    {
        Interlocked.Add(ref _bytesDone, n);
        if (Kind == JobKind.Restore)
        {
            VaultMetrics.RestoreBytesAdd(n, Node);
        }
        else
        {
            VaultMetrics.BackupBytesAdd("read", n, Node);
        }
    }

    public void ChunkNew(long rawBytes)
    {
        Interlocked.Increment(ref _chunksNew);
        Interlocked.Add(ref _bytesNew, rawBytes);
        VaultMetrics.BackupChunk(isNew: true, Node);
        VaultMetrics.BackupBytesAdd("new", rawBytes, Node);
    }

    public void ChunkDeduplicated(long rawBytes = 0)
    {
        Interlocked.Increment(ref _chunksDeduplicated);
        VaultMetrics.BackupChunk(isNew: false, Node);
        VaultMetrics.BackupBytesAdd("deduplicated", rawBytes, Node);
    }

    /// <summary>Progress of work that is neither a backup nor a restore (check): items and bytes done, no traffic metrics.</summary>
    public void Done(long items, long bytes)
    {
        Interlocked.Add(ref _filesDone, items);
        Interlocked.Add(ref _bytesDone, bytes);
    }

    public void Stored(long packBytes)
    {
        Interlocked.Add(ref _bytesStored, packBytes);
        VaultMetrics.BackupBytesAdd("stored", packBytes, Node);
    }

    public void Warn(string message)
    {
        Interlocked.Increment(ref _errors);
        VaultMetrics.Error(Kind switch
        {
            JobKind.Restore => "restore_file",
            JobKind.Check => "check_problem",
            _ => "backup_file",
        }, Node);
        if (_warnings.Count < MaxWarnings)
        {
            _warnings.Enqueue(message);
        }
    }

    public void Succeed() => Finish(JobState.Succeeded, null);

    public void Fail(JobFailure failure) => Finish(JobState.Failed, failure);

    public void Cancel() => Finish(JobState.Cancelled, new JobFailure(ErrorCode.Cancelled, "cancelled"));

    public JobProgress Progress() => new(
        Interlocked.Read(ref _filesDone),
        Interlocked.Read(ref _filesTotal),
        Interlocked.Read(ref _bytesDone),
        Interlocked.Read(ref _bytesTotal),
        Interlocked.Read(ref _bytesNew),
        Interlocked.Read(ref _bytesStored),
        Interlocked.Read(ref _filesUnchanged),
        Interlocked.Read(ref _chunksNew),
        Interlocked.Read(ref _chunksDeduplicated),
        Interlocked.Read(ref _errors),
        _totalsKnown);

    public JobInfo ToInfo() => new(Id, Kind, State, Node, Started, Finished, Progress(), Snapshot, Error, _warnings.ToArray(), Failure);

    private void Finish(JobState state, JobFailure? failure)
    {
        if (State != JobState.Running)
        {
            return;
        }

        Failure = failure;
        Finished = DateTimeOffset.UtcNow;
        State = state;
    }
}
