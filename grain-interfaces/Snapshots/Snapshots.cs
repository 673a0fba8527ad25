using Vault.Storage;

namespace Vault.Snapshots;

[GenerateSerializer, Immutable, Alias("vault.snapshot-stats")]
public sealed record SnapshotStats(
    long Files,
    long Directories,
    long FilesUnchanged,
    long BytesTotal,
    long BytesNew,
    long BytesStored,
    long ChunksNew,
    long ChunksDeduplicated,
    long Errors,
    double DurationSeconds);

public enum SnapshotState
{
    Pending = 0,
    Committed = 1,
    Forgotten = 2,
}

/// <summary>One snapshot's metadata. The data itself is reachable from <see cref="Root"/>.</summary>
[GenerateSerializer, Immutable, Alias("vault.snapshot-info")]
public sealed record SnapshotInfo(
    SnapshotId Id,
    string Node,
    string Hostname,
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Tags,
    DateTimeOffset Time,
    SnapshotId? Parent,
    ChunkId Root,
    SnapshotStats Stats,
    SnapshotState State,
    /// <summary>True when some files could not be read or changed while being read (see warnings of the job).</summary>
    bool Incomplete);

/// <summary>One snapshot's lifecycle: pending (backup running) → committed → forgotten.</summary>
public interface ISnapshotGrain : IGrainWithGuidKey
{
    /// <summary>Records a pending snapshot when a backup starts; its chunks count as live for GC.</summary>
    Task BeginAsync(SnapshotInfo pending);

    /// <summary>Commits the snapshot: call only when every pack and index entry it needs is durable.</summary>
    Task CommitAsync(SnapshotInfo committed);

    /// <summary>
    /// The snapshot's metadata, or null when the grain never saw it. Interleaves with other calls: the
    /// catalog asks while a commit may be waiting on the catalog.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<SnapshotInfo?> TryGetAsync();

    /// <summary>
    /// Marks a committed snapshot forgotten (retention removed it from the catalog); its metadata stays.
    /// Idempotent. Throws SnapshotNotFound when the grain never saw the snapshot.
    /// </summary>
    Task ForgetAsync();
}

/// <summary>The repository's list of committed snapshots (key: repository name, "default").</summary>
public interface ISnapshotCatalogGrain : IGrainWithStringKey
{
    Task AddAsync(SnapshotInfo snapshot);

    /// <summary>Snapshots ordered by time, oldest first, filtered by node / tag / path when given.</summary>
    Task<IReadOnlyList<SnapshotInfo>> ListAsync(string? node = null, string? tag = null, string? path = null);

    /// <summary>Resolves an id, a unique id prefix, or "latest" (optionally for a node). Throws SnapshotNotFound / AmbiguousSnapshot.</summary>
    Task<SnapshotInfo> ResolveAsync(string reference, string? node = null);

    /// <summary>The newest committed snapshot of the same node and the same path set, for change detection.</summary>
    Task<SnapshotInfo?> TryFindParentAsync(string node, IReadOnlyList<string> paths);

    /// <summary>
    /// Applies a retention policy to the snapshots that pass the filters, and/or forgets named snapshots (ids,
    /// unique prefixes, "latest" of the filtered ones); returns the plan. Unless a dry run, every removed
    /// snapshot is marked forgotten and leaves the catalog. Idempotent: naming a snapshot already forgotten
    /// by its full id is not an error.
    /// </summary>
    Task<Vault.Retention.ForgetResult> ForgetAsync(Vault.Retention.ForgetRequest request);
}
