// `vault check`, run as a job on one node. Three phases:
//
//   1. trees: every committed snapshot's trees are loaded (index lookup, verified blob read,
//      validated decode) depth first, and the chunks of every file are looked up in the index in
//      batches. A tree already visited (an unchanged directory shared by several snapshots) is not
//      walked again.
//   2. packs: every index partition lists the packs it points into; each of those packs must be
//      on one of its owners (rendezvous order over the roster), or at least on some node that is
//      up (a copy that sloppy quorum put elsewhere and repair has not moved yet).
//   3. read data (ReadDataPercent > 0): the packs whose id falls in a window of that width are
//      read and verified completely (hash, trailer, every blob): the local copy first, else the
//      copies of the other nodes in read order until a good one; every bad copy met is a problem.
//
// Memory: never every chunk id at once. Phase 1 holds the set of visited tree ids (one per
// distinct directory of the repository), a stack of directories still to walk and one batch of
// chunk ids; phase 2 the set of pack ids (one per pack); phase 3 one pack per reader. About 100
// bytes per directory or pack: 6e5 packs (10 TB in 16 MiB packs) is ~60 MB.
//
// Problems go into the job's warnings (the first JobRecord.MaxWarnings) and its error count, and
// the job fails with "check found N problems". A check reads while backups run: a snapshot
// committed after it listed the catalog is simply not checked.
using Microsoft.Extensions.Logging;
using Vault.Chunks;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Replication;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Check;

public sealed partial class CheckJob(
    VaultNode node,
    IGrainFactory grains,
    ChunkIndex index,
    TreeStore trees,
    PackReader packs,
    ClusterView view,
    JobRecord record,
    CheckRequest request,
    ILogger<CheckJob> logger)
{
    private const int LookupBatch = 4096;
    private const int HasPacksBatch = 512;
    private const int PartitionsInParallel = 32;
    private const int Readers = 2;
    private const int LoggedProblems = 1000;

    /// <summary>Refuses a request that cannot be run (percent outside 0–100, offset outside [0, 100)).</summary>
    public static void Validate(CheckRequest request)
    {
        if (double.IsNaN(request.ReadDataPercent) || request.ReadDataPercent is < 0 or > 100)
        {
            throw new InvalidRequestException($"ReadDataPercent is {request.ReadDataPercent}; must be between 0 and 100");
        }

        if (request.ReadDataOffset is { } offset && (double.IsNaN(offset) || offset is < 0 or >= 100))
        {
            throw new InvalidRequestException($"ReadDataOffset is {offset}; must be at least 0 and less than 100");
        }
    }

    /// <summary>
    /// Whether read-data reads <paramref name="pack"/>: its id, read as a position on a 0–100 circle,
    /// lies in [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="percent"/>).
    /// </summary>
    public static bool IsSelected(PackId pack, double percent, double offset)
    {
        if (percent >= 100)
        {
            return true;
        }

        var position = pack.Value.A / 18446744073709551616.0 * 100;
        var distance = position - offset;
        if (distance < 0)
        {
            distance += 100;
        }

        return distance < percent;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var snapshots = (await grains.GetGrain<ISnapshotCatalogGrain>(Snapshots.SnapshotCatalogGrain.DefaultRepository).ListAsync())
            .Where(s => s.State == SnapshotState.Committed)
            .ToList();
        record.AddFilesTotal(snapshots.Count, 0);

        var treeCount = await CheckSnapshotsAsync(snapshots, ct);
        var indexed = await ListIndexedPacksAsync(ct);
        var offset = request.ReadDataOffset ?? Random.Shared.NextDouble() * 100;
        var toRead = request.ReadDataPercent > 0
            ? indexed.Where(p => IsSelected(p, request.ReadDataPercent, offset)).OrderBy(p => p.ToString(), StringComparer.Ordinal).ToList()
            : [];
        record.AddFilesTotal(indexed.Count + toRead.Count, 0);
        record.TotalsKnown();

        var missing = await LocatePacksAsync(indexed, ct);
        indexed.Clear();
        indexed.TrimExcess();
        if (toRead.Count > 0)
        {
            await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = Readers, CancellationToken = ct },
                async (pack, token) => await ReadPackAsync(pack, missing.Contains(pack), token));
        }

        var problems = record.Errors;
        LogChecked(snapshots.Count, treeCount, toRead.Count, request.ReadDataPercent, offset, problems);
        if (problems > 0)
        {
            throw new DataCorruptionException($"check found {problems} problem{(problems == 1 ? "" : "s")}");
        }
    }

    /// <summary>Walks every snapshot's trees; returns the number of distinct trees.</summary>
    private async Task<int> CheckSnapshotsAsync(List<SnapshotInfo> snapshots, CancellationToken ct)
    {
        // One set of tree ids for every snapshot: a directory shared by snapshots is checked once.
        var visited = new HashSet<ChunkId>();
        foreach (var snapshot in snapshots)
        {
            await CheckTreesAsync(snapshot, visited, ct);
            record.Done(1, 0);
        }

        return visited.Count;
    }

    private async Task CheckTreesAsync(SnapshotInfo snapshot, HashSet<ChunkId> visited, CancellationToken ct)
    {
        var name = snapshot.Id.Short;
        var chunks = new List<(ChunkId Id, string Path)>(LookupBatch);
        var stack = new Stack<(string Path, ChunkId Tree)>();
        if (visited.Add(snapshot.Root))
        {
            stack.Push(("/", snapshot.Root));
        }

        while (stack.TryPop(out var dir))
        {
            ct.ThrowIfCancellationRequested();
            IReadOnlyList<TreeNode> nodes;
            try
            {
                nodes = await trees.LoadAsync(dir.Tree, ct);
            }
            catch (Exception e) when (e is StorageException or IOException)
            {
                Problem($"snapshot {name}: directory {dir.Path}: {e.Message}");
                continue;
            }

            foreach (var n in nodes)
            {
                var path = SnapshotPaths.Join(dir.Path, n.Name);
                if (n.Subtree is { } subtree && visited.Add(subtree))
                {
                    stack.Push((path, subtree));
                }

                foreach (var chunk in n.Content)
                {
                    chunks.Add((chunk, path));
                    if (chunks.Count == LookupBatch)
                    {
                        await LookUpAsync(name, chunks);
                    }
                }
            }
        }

        await LookUpAsync(name, chunks);
    }

    private async Task LookUpAsync(string snapshot, List<(ChunkId Id, string Path)> chunks)
    {
        if (chunks.Count == 0)
        {
            return;
        }

        var locations = await index.LookupAsync(chunks.ConvertAll(c => c.Id));
        for (var i = 0; i < chunks.Count; i++)
        {
            var (id, path) = chunks[i];
            if (locations[i] is not { } location)
            {
                Problem($"snapshot {snapshot}: {path}: chunk {id} is not in the index");
            }
            else if (location.Kind != BlobKind.Data)
            {
                Problem($"snapshot {snapshot}: {path}: chunk {id} is indexed as {location.Kind} in pack {location.Pack}, not as file data");
            }
        }

        chunks.Clear();
    }

    private async Task<HashSet<PackId>> ListIndexedPacksAsync(CancellationToken ct)
    {
        var partitions = 1 << index.PartitionBits;
        var packs = new HashSet<PackId>();
        for (var first = 0; first < partitions; first += PartitionsInParallel)
        {
            ct.ThrowIfCancellationRequested();
            var lists = await Task.WhenAll(Enumerable.Range(first, Math.Min(PartitionsInParallel, partitions - first))
                .Select(p => grains.GetGrain<IChunkGrain>(p).ListPacksAsync()));
            foreach (var list in lists)
            {
                packs.UnionWith(list);
            }
        }

        return packs;
    }

    /// <summary>Checks that every pack is on a node; returns the missing ones (each reported).</summary>
    private async Task<HashSet<PackId>> LocatePacksAsync(HashSet<PackId> indexed, CancellationToken ct)
    {
        var missing = new HashSet<PackId>();
        if (!view.Settings.Clustered)
        {
            foreach (var pack in indexed)
            {
                if (!node.Packs.Exists(pack))
                {
                    missing.Add(pack);
                    Problem($"pack {pack} is referenced by the index but missing from {node.Packs.Root}");
                }

                record.Done(1, 0);
            }

            return missing;
        }

        await view.RefreshAsync(force: true);
        var unreachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in indexed.Chunk(HasPacksBatch * 8))
        {
            ct.ThrowIfCancellationRequested();
            var up = view.UpNodes();
            // Owners first; a pack none of them holds is looked for on every node that is up.
            var found = await FindAsync(batch, p => view.Owners(p).Where(up.Contains), unreachable);
            var rest = batch.Where(p => !found.Contains(p)).ToArray();
            if (rest.Length > 0)
            {
                found.UnionWith(await FindAsync(rest, p => up.Except(view.Owners(p)), unreachable));
            }

            foreach (var pack in batch)
            {
                if (!found.Contains(pack))
                {
                    missing.Add(pack);
                    var silent = unreachable.Count > 0 ? $"; no answer from {string.Join(", ", unreachable.Order(StringComparer.Ordinal))}" : "";
                    Problem($"pack {pack} is referenced by the index but on no node: not on its owners ({string.Join(", ", view.Owners(pack))}) nor on any other node up{silent}");
                }
            }

            record.Done(batch.Length, 0);
        }

        return missing;
    }

    /// <summary>The packs of <paramref name="batch"/> that one of the nodes chosen for them holds: one call per node and 512 packs.</summary>
    private async Task<HashSet<PackId>> FindAsync(PackId[] batch, Func<PackId, IEnumerable<string>> nodesOf, HashSet<string> unreachable)
    {
        var found = new HashSet<PackId>();
        var asks = new Dictionary<string, List<PackId>>(StringComparer.Ordinal);
        foreach (var pack in batch)
        {
            foreach (var n in nodesOf(pack))
            {
                if (n == node.NodeId)
                {
                    if (node.Packs.Exists(pack))
                    {
                        found.Add(pack);
                    }
                }
                else
                {
                    (asks.TryGetValue(n, out var list) ? list : asks[n] = []).Add(pack);
                }
            }
        }

        var answers = await Task.WhenAll(asks.Select(async ask =>
        {
            var held = new List<PackId>();
            try
            {
                foreach (var ids in ask.Value.Chunk(HasPacksBatch))
                {
                    var has = await grains.GetGrain<IPeerGrain>(ask.Key).HasPacksAsync(ids);
                    held.AddRange(ids.Where((_, i) => has[i]));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lock (unreachable)
                {
                    unreachable.Add(ask.Key);
                }

                LogNodeUnreachable(ask.Key, e.Message);
            }

            return held;
        }));
        foreach (var held in answers)
        {
            found.UnionWith(held);
        }

        return found;
    }

    private async Task ReadPackAsync(PackId pack, bool knownMissing, CancellationToken ct)
    {
        var bad = false;
        var unavailable = new List<string>();
        List<string> holders = node.Packs.Exists(pack) ? [node.NodeId] : [];
        if (view.Settings.Clustered)
        {
            holders.AddRange(view.ReadOrder(pack));
        }

        foreach (var holder in holders)
        {
            try
            {
                long? length;
                if (holder == node.NodeId)
                {
                    length = await packs.VerifyLocalCopyAsync(pack, ct);
                }
                else if (await FetchAsync(holder, pack, unavailable) is { } bytes)
                {
                    PackVerifier.Verify(node.Keys, pack, bytes);
                    length = bytes.Length;
                }
                else
                {
                    length = null;
                }

                if (length is { } n)
                {
                    record.AddFilesTotal(0, n);
                    record.Done(1, n);
                    return;
                }
            }
            catch (CorruptDataException e)
            {
                bad = true;
                Problem($"node '{holder}': {e.Message}");
            }
            catch (IOException e)
            {
                bad = true;
                Problem($"node '{holder}': pack {pack} cannot be read: {e.Message}");
            }
        }

        if (!bad && !knownMissing)
        {
            Problem($"pack {pack}: no node could provide a copy to read ({(unavailable.Count > 0 ? string.Join("; ", unavailable) : "no node holds it")})");
        }

        record.Done(1, 0);
    }

    /// <summary>A node's copy of a pack; null when that node does not have it or does not answer (noted in <paramref name="unavailable"/>).</summary>
    private async Task<byte[]?> FetchAsync(string holder, PackId pack, List<string> unavailable)
    {
        try
        {
            return await grains.GetGrain<IPeerGrain>(holder).ReadPackAsync(pack);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            unavailable.Add($"{holder}: {e.Message}");
            return null;
        }
    }

    private void Problem(string message)
    {
        record.Warn(message);
        var count = record.Errors;
        if (count <= LoggedProblems)
        {
            LogProblem(record.Id.ToString(), message);
        }
        else if (count == LoggedProblems + 1)
        {
            LogMoreProblems(record.Id.ToString(), LoggedProblems);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Check {Job}: {Problem}")]
    private partial void LogProblem(string job, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Check {Job}: more than {Logged} problems; the rest are counted, not logged")]
    private partial void LogMoreProblems(string job, int logged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Check: node {Node} did not answer which packs it holds: {Reason}")]
    private partial void LogNodeUnreachable(string node, string reason);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Check: {Snapshots} snapshots, {Trees} distinct trees, {Read} packs read ({Percent}% from offset {Offset:F2}); {Problems} problems")]
    private partial void LogChecked(int snapshots, int trees, int read, double percent, double offset, long problems);
}
