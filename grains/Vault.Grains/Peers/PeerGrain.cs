using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Vault.Grains.Backup;
using Vault.Grains.Check;
using Vault.Grains.FileSystem;
using Vault.Grains.Hosting;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Placement;
using Vault.Grains.Replication;
using Vault.Grains.Restore;
using Vault.Grains.Telemetry;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Peers;

/// <summary>
/// One node, living on that node's silo. Validates requests, then hands long work to the
/// node's <see cref="JobRunner"/>; reads trees for listings. Holds no state of its own.
/// </summary>
[NodePlacement, Reentrant]
public sealed partial class PeerGrain(VaultNode node, JobRunner jobs, TreeStore trees, StreamSessions streams, FileReader files, IServiceProvider services) : Grain, IPeerGrain
{
    private string NodeId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (NodeId != node.NodeId)
        {
            throw new InvalidOperationException($"PeerGrain '{NodeId}' activated on node '{node.NodeId}'");
        }

        return Task.CompletedTask;
    }

    public async Task<JobInfo> StartBackupAsync(BackupRequest request)
    {
        var paths = BackupJob.NormalizePaths(request.Paths);
        var dataDir = new DataDirectoryGuard(node.DataDir);
        foreach (var p in paths)
        {
            dataDir.RefuseIfInside(p, NodeId);
            if (Native.TryStat(p) is null)
            {
                throw new InvalidRequestException($"backup path {p} does not exist on node '{NodeId}'");
            }
        }

        SnapshotInfo? parent = null;
        if (request.Parent is { } parentId)
        {
            parent = await GrainFactory.GetGrain<ISnapshotGrain>(parentId.Value).TryGetAsync();
            if (parent is not { State: SnapshotState.Committed })
            {
                throw new SnapshotNotFoundException($"parent snapshot {parentId} does not exist");
            }
        }
        else if (!request.Force)
        {
            parent = await Catalog.TryFindParentAsync(NodeId, paths);
        }

        return jobs.StartBackup(request with { Paths = paths }, parent).ToInfo();
    }

    public async Task<JobInfo> StartRestoreAsync(RestoreRequest request)
    {
        var target = RestoreJob.NormalizeTarget(request.Target);
        if (node.RestoreRoots.Count > 0 && !node.RestoreRoots.Any(root => SnapshotPaths.IsAtOrBelow(target, root)))
        {
            throw new InvalidRequestException(
                $"restore target {target} is outside the allowed roots of node '{NodeId}' ({string.Join(", ", node.RestoreRoots)}; Vault:Restore:AllowedRoots)");
        }

        var snapshot = await GetCommittedAsync(request.Snapshot);
        return jobs.StartRestore(request with { Target = target }, snapshot).ToInfo();
    }

    public Task<JobInfo> GetJobAsync(JobId job) => Task.FromResult(jobs.Get(job).ToInfo());

    public Task<IReadOnlyList<JobInfo>> ListJobsAsync() =>
        Task.FromResult<IReadOnlyList<JobInfo>>(jobs.List().Select(j => j.ToInfo()).ToList());

    public Task CancelJobAsync(JobId job)
    {
        jobs.Cancel(job);
        return Task.CompletedTask;
    }

    public Task<PeerInfo> GetInfoAsync()
    {
        var storage = StorageUsage.Sample(node);
        var repair = services.GetService<RepairLoop>();
        var scrub = services.GetService<ScrubLoop>();
        return Task.FromResult(new PeerInfo(NodeId, RuntimeIdentity, storage.Packs, storage.UsedBytes, storage.FreeBytes, jobs.Running, repair?.UnderReplicated ?? 0, repair?.LastPass, scrub?.Status));
    }

    public Task<ProbeResult> ProbeAsync(ProbeRequest request) =>
        services.GetService<IObserverProbe>() is { } probe
            ? probe.ProbeAsync(NodeId, request)
            : Task.FromResult(new ProbeResult(NodeId, true, "no vote: this node does not host failover", 0));

    public async Task StorePackAsync(PackId pack, byte[] bytes)
    {
        if (PackId.Of(bytes) != pack)
        {
            throw new DataCorruptionException($"pack {pack} sent to node '{NodeId}' does not match its id ({bytes.Length} bytes); not stored");
        }

        if (node.Packs.InTrash(pack) || ServiceProvider.GetRequiredService<CondemnedPacks>().Contains(pack))
        {
            throw new InvalidRequestException($"pack {pack} was condemned by garbage collection on node '{NodeId}'; not stored again");
        }

        await node.Packs.WriteAsync(pack, bytes);
    }

    public Task<byte[]> ReadPackAsync(PackId pack) => node.Packs.ReadAsync(pack);

    public async Task<byte[]> ReadPackRangeAsync(PackId pack, long offset, int length)
    {
        if (length is < 0 or > MaxRange || offset < 0)
        {
            throw new InvalidRequestException($"range of pack {pack}: offset {offset}, length {length}; must be non-negative and at most {MaxRange} bytes");
        }

        var buffer = new byte[length];
        var read = await node.Packs.ReadRangeAsync(pack, offset, buffer);
        return read == length ? buffer : buffer[..read];
    }

    public Task<bool[]> HasPacksAsync(PackId[] packs) => Task.FromResult(Array.ConvertAll(packs, node.Packs.Exists));

    private const int MaxRange = 64 * 1024 * 1024;

    public Task<JobInfo> StartCheckAsync(CheckRequest request)
    {
        CheckJob.Validate(request);
        return Task.FromResult(jobs.StartCheck(request).ToInfo());
    }

    public async IAsyncEnumerable<FileEntryInfo> ListFilesAsync(SnapshotId snapshot, string path, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Enumeration runs after the call filter has returned: translate storage errors here.
        await using var entries = ListAsync(snapshot, path, recursive, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await entries.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (StorageException e)
            {
                throw StorageErrorFilter.Translate(e);
            }

            yield return entries.Current;
        }
    }

    public async Task<JobInfo> BeginStreamAsync(StreamBackupRequest request)
    {
        string why = "it is blank";
        if (string.IsNullOrWhiteSpace(request.Name) || !NodeNames.IsValid(request.Name, out why))
        {
            throw new InvalidRequestException($"stream name '{request.Name}' must be a file name: 1-{NodeNames.MaxNameBytes} bytes in UTF-8, no '/', not '.' or '..' ({why})");
        }

        return (await streams.BeginAsync(request)).ToInfo();
    }

    // The work runs on the thread pool: chunking and hashing a segment must not hold the grain's turn.
    public Task AppendStreamAsync(JobId session, DataSegment segment) =>
        Task.Run(() => streams.AppendAsync(session, segment.Data));

    public Task<SnapshotInfo> CompleteStreamAsync(JobId session, long totalSize) =>
        Task.Run(() => streams.CompleteAsync(session, totalSize));

    public Task AbortStreamAsync(JobId session, string reason) => streams.AbortAsync(session, reason);

    public async IAsyncEnumerable<DataSegment> ReadFileAsync(SnapshotId snapshot, string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var chunks = ReadChunksAsync(snapshot, path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await chunks.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (StorageException e)
            {
                throw StorageErrorFilter.Translate(e);
            }

            yield return new DataSegment(chunks.Current);
        }
    }

    private async IAsyncEnumerable<byte[]> ReadChunksAsync(SnapshotId snapshot, string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = await GetCommittedAsync(snapshot);
        var normalized = "/" + string.Join('/', SnapshotPaths.Split(path));
        var file = await files.FindFileAsync(info.Root, normalized, snapshot.Short, cancellationToken);
        await foreach (var chunk in files.ReadAsync(file, cancellationToken))
        {
            yield return chunk;
        }
    }

    private async IAsyncEnumerable<FileEntryInfo> ListAsync(SnapshotId snapshot, string path, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = await GetCommittedAsync(snapshot);
        var start = "/" + string.Join('/', SnapshotPaths.Split(string.IsNullOrEmpty(path) ? "/" : path));
        var node = await trees.FindAsync(info.Root, start, cancellationToken)
            ?? throw new NotFoundException($"path {start} does not exist in snapshot {snapshot.Short}");
        if (start != "/")
        {
            yield return ToEntry(start, node);
        }

        if (node.Type != NodeType.Directory || node.Subtree is not { } subtree)
        {
            yield break;
        }

        var stack = new Stack<(string Path, ChunkId Tree)>();
        stack.Push((start, subtree));
        while (stack.Count > 0)
        {
            var (dir, tree) = stack.Pop();
            var children = await trees.LoadAsync(tree, cancellationToken);
            var subdirs = new List<(string, ChunkId)>();
            foreach (var child in children)
            {
                var childPath = SnapshotPaths.Join(dir, child.Name);
                yield return ToEntry(childPath, child);
                if (recursive && child is { Type: NodeType.Directory, Subtree: { } s })
                {
                    subdirs.Add((childPath, s));
                }
            }

            // Depth first, in name order.
            for (var i = subdirs.Count - 1; i >= 0; i--)
            {
                stack.Push(subdirs[i]);
            }
        }
    }

    private ISnapshotCatalogGrain Catalog => GrainFactory.GetGrain<ISnapshotCatalogGrain>(Snapshots.SnapshotCatalogGrain.DefaultRepository);

    private async Task<SnapshotInfo> GetCommittedAsync(SnapshotId id)
    {
        var info = await GrainFactory.GetGrain<ISnapshotGrain>(id.Value).TryGetAsync();
        return info is { State: SnapshotState.Committed }
            ? info
            : throw new SnapshotNotFoundException($"snapshot {id} does not exist or is not committed");
    }

    private static FileEntryInfo ToEntry(string path, TreeNode n) =>
        new(path, n.Type, n.Mode, n.Size, n.MTimeNs, n.LinkTarget, n.Uid, n.Gid);
}
