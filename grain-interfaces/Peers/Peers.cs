using Vault.Storage;

namespace Vault.Peers;

public enum JobKind
{
    Backup = 0,
    Restore = 1,
    Gc = 2,
    Check = 3,
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
    IReadOnlyList<string> Warnings,
    /// <summary>Why the job failed or was cancelled (its code decides the client's status and exit code); null while running or after success.</summary>
    JobFailure? Failure = null);

[GenerateSerializer, Immutable, Alias("vault.peer-info")]
public sealed record PeerInfo(
    string Node,
    string Silo,
    long PackCount,
    long UsedBytes,
    long FreeBytes,
    int RunningJobs,
    /// <summary>Packs held here that the last repair pass found on fewer than R nodes (0 in embedded mode).</summary>
    long UnderReplicated = 0,
    /// <summary>When the last repair pass on this node finished; null before the first (or in embedded mode).</summary>
    DateTimeOffset? LastRepair = null,
    /// <summary>The node's background verification of its packs; null when the node does not scrub.</summary>
    Vault.Check.ScrubStatus? Scrub = null);

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

/// <summary>A stream backup: the snapshot will hold one file "/<see cref="Name"/>".</summary>
[GenerateSerializer, Immutable, Alias("vault.stream-backup-request")]
public sealed record StreamBackupRequest(string Name, IReadOnlyList<string> Tags);

/// <summary>
/// A piece of a byte stream crossing a grain call (a few MiB at most). Immutable: the sender
/// must not touch the array after handing it over, so local calls need no copy.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.data-segment")]
public sealed record DataSegment(byte[] Data);

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

    /// <summary>Connects from this node to a replicated server and runs a trivial query (a failover observer's check).</summary>
    Task<ProbeResult> ProbeAsync(ProbeRequest request);

    /// <summary>
    /// The entries of a snapshot at and below <paramref name="path"/> (absolute, "/" = root), depth first;
    /// only the direct children when <paramref name="recursive"/> is false.
    /// </summary>
    IAsyncEnumerable<FileEntryInfo> ListFilesAsync(SnapshotId snapshot, string path, bool recursive, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a stream backup on this node; the returned job's id names the session. A session that
    /// sees no call for a while is aborted and commits nothing.
    /// </summary>
    Task<JobInfo> BeginStreamAsync(StreamBackupRequest request);

    /// <summary>
    /// Appends the next bytes. Returns once they are chunked and handed to the node's bounded
    /// write pipeline, so a caller that awaits each call is throttled to the node's pace.
    /// Calls of one session must not overlap. A node killed without warning is not answered until
    /// membership declares it dead (the 30 s default response timeout, then the retry past it), and the
    /// pipeline behind this call may wait that long: the call may take up to two minutes.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task AppendStreamAsync(JobId session, DataSegment segment);

    /// <summary>
    /// Flushes the data, commits the snapshot and returns it. <paramref name="totalSize"/>, when
    /// not 0, must equal the bytes appended (else nothing is committed). Waits for the rest of the
    /// pipeline like <see cref="AppendStreamAsync"/>, so it may take as long.
    /// </summary>
    [ResponseTimeout("00:02:00")]
    Task<Vault.Snapshots.SnapshotInfo> CompleteStreamAsync(JobId session, long totalSize);

    /// <summary>Drops a session: nothing is committed. Unknown or finished sessions are ignored.</summary>
    Task AbortStreamAsync(JobId session, string reason);

    /// <summary>The bytes of a file of a committed snapshot, in order, each chunk verified.</summary>
    IAsyncEnumerable<DataSegment> ReadFileAsync(SnapshotId snapshot, string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a sealed pack on this node's disk (replication). The bytes must hash to <paramref name="pack"/>,
    /// else <see cref="DataCorruptionException"/>. Idempotent. Keep packs to a few tens of MiB per call.
    /// </summary>
    Task StorePackAsync(PackId pack, byte[] bytes);

    /// <summary>A whole pack from this node's disk; <see cref="DataCorruptionException"/> when it is not here.</summary>
    Task<byte[]> ReadPackAsync(PackId pack);

    /// <summary>Up to <paramref name="length"/> bytes at <paramref name="offset"/> (fewer only at the end of the pack).</summary>
    Task<byte[]> ReadPackRangeAsync(PackId pack, long offset, int length);

    /// <summary>For each pack, whether this node holds it.</summary>
    Task<bool[]> HasPacksAsync(PackId[] packs);

    // Garbage collection.

    /// <summary>Runs a GC run's job on this node (started by the RetentionGrain).</summary>
    Task<JobInfo> StartGcAsync(Vault.Retention.GcJobRequest request);

    /// <summary>This node's packs written before <paramref name="writtenBefore"/> (newer ones may not be indexed yet).</summary>
    IAsyncEnumerable<PackId> ListPacksAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken = default);

    /// <summary>A pack's table of entries (its trailer, verified), as index entries.</summary>
    Task<Vault.Chunks.IndexEntry[]> ReadPackEntriesAsync(PackId pack);

    /// <summary>Moves packs to this node's trash; for each, its size, or -1 when the node did not hold it.</summary>
    Task<long[]> TrashPacksAsync(PackId[] packs);

    /// <summary>Deletes packs trashed at least <paramref name="olderThan"/> ago; returns (packs, bytes).</summary>
    Task<long[]> EmptyTrashAsync(TimeSpan olderThan);
    /// <summary>
    /// Starts `vault check` on this node: the structure of the whole repository (every committed
    /// snapshot's trees, their chunks in the index, every indexed pack on a node), and the data of
    /// <see cref="Vault.Retention.CheckRequest.ReadDataPercent"/> percent of the packs. Problems go
    /// into the job's warnings; the job fails when there is any.
    /// </summary>
    Task<JobInfo> StartCheckAsync(Vault.Retention.CheckRequest request);
}
