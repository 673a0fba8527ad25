namespace Vault.Peers;

public enum JobKind
{
    Backup = 0,
    Restore = 1,
}

public enum JobState
{
    Running = 0,
    Succeeded = 1,
    Failed = 2,
    Cancelled = 3,
}

[GenerateSerializer, Immutable, Alias("vault.backup-request")]
public sealed record BackupRequest(
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Excludes,
    /// <summary>The snapshot to compare against for unchanged files; null = latest of the same node and paths.</summary>
    SnapshotId? Parent,
    /// <summary>Read every file even when its metadata is unchanged.</summary>
    bool Force = false);

[GenerateSerializer, Immutable, Alias("vault.restore-request")]
public sealed record RestoreRequest(
    SnapshotId Snapshot,
    string Target,
    /// <summary>Snapshot paths to restore (and everything below them); empty = all.</summary>
    IReadOnlyList<string> Includes);

[GenerateSerializer, Immutable, Alias("vault.job-progress")]
public sealed record JobProgress(
    long FilesDone,
    long FilesTotal,
    long BytesDone,
    long BytesTotal,
    long BytesNew,
    long BytesStored,
    long FilesUnchanged,
    long ChunksNew,
    long ChunksDeduplicated,
    long Errors,
    /// <summary>True once the walker has seen every file, so the totals are final.</summary>
    bool TotalsKnown);

[GenerateSerializer, Immutable, Alias("vault.job-info")]
public sealed record JobInfo(
    JobId Id,
    JobKind Kind,
    JobState State,
    string Node,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    JobProgress Progress,
    SnapshotId? Snapshot,
    string? Error,
    /// <summary>The first warnings (unreadable files, files changed while read); <see cref="JobProgress.Errors"/> counts all.</summary>
    IReadOnlyList<string> Warnings);

[GenerateSerializer, Immutable, Alias("vault.peer-info")]
public sealed record PeerInfo(
    string Node,
    string Silo,
    long PackCount,
    long UsedBytes,
    long FreeBytes,
    int RunningJobs);

/// <summary>One entry of a snapshot's tree, as listed by <see cref="IPeerGrain.ListFilesAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("vault.file-entry")]
public sealed record FileEntryInfo(
    string Path,
    Vault.Storage.NodeType Type,
    uint Mode,
    long Size,
    long MTimeNs,
    string? LinkTarget,
    uint Uid,
    uint Gid);

/// <summary>Asks a node whether it can reach and use a replicated server (a failover observer's vote).</summary>
[GenerateSerializer, Immutable, Alias("vault.probe-request")]
public sealed record ProbeRequest(
    Vault.Failover.FailoverEngine Engine,
    string Host,
    int Port,
    string? User,
    Vault.Failover.SecretReference? Password,
    TimeSpan Timeout);

[GenerateSerializer, Immutable, Alias("vault.probe-result")]
public sealed record ProbeResult(string Observer, bool Reachable, string? Error, double DurationMs);

/// <summary>
/// One node (key: its stable node id), placed on the silo that advertises that id. The only code
/// that touches that node's disk: its pack store and its backup and restore jobs.
/// </summary>
public interface IPeerGrain : IGrainWithStringKey
{
    Task<JobInfo> StartBackupAsync(BackupRequest request);

    Task<JobInfo> StartRestoreAsync(RestoreRequest request);

    /// <summary>Throws <see cref="JobNotFoundException"/> for an unknown job.</summary>
    Task<JobInfo> GetJobAsync(JobId job);

    Task<IReadOnlyList<JobInfo>> ListJobsAsync();

    Task CancelJobAsync(JobId job);

    Task<PeerInfo> GetInfoAsync();

    /// <summary>
    /// The entries of a snapshot at and below <paramref name="path"/> (absolute, "/" = root), depth first;
    /// only the direct children when <paramref name="recursive"/> is false.
    /// </summary>
    /// <summary>Connects from this node to a replicated server and runs a trivial query (a failover observer's check).</summary>
    Task<ProbeResult> ProbeAsync(ProbeRequest request);

    IAsyncEnumerable<FileEntryInfo> ListFilesAsync(SnapshotId snapshot, string path, bool recursive, CancellationToken cancellationToken = default);
}
