// One garbage collection run, as a job on one node. Phases (each recorded by the RetentionGrain
// before it starts, so a crash leaves a run the next one knows how to end):
//
//   marking     every committed snapshot's trees are walked; each referenced id is marked in its
//               index partition (marks live in the partitions, never in this process).
//   condemning  every partition sets its unmarked entries aside: lookups stop finding them, so no
//               backup starting from now on can deduplicate against them.
//   waiting     the leases held right after condemning are captured; GC waits until each is
//               released or expired (an expired lease can no longer commit).
//   remarking   snapshots committed since marking began are walked: an id they use that was
//               condemned is put back (a backup deduplicated against it before it was condemned).
//   sweeping    every pack written before the capture is judged from its trailer against the
//               index: no live blob → trash; at least the threshold of its bytes dead → its live
//               blobs are copied into new packs, the index is moved over, then the old pack goes
//               to the trash. Packs written after the capture belong to running backups: left alone.
//   finishing   condemned entries are dropped; trash older than the delay is deleted.
//
// Why nothing live is deleted: docs/operations.md, "Garbage collection" → "Why it never deletes live data".
// Memory: one tree and a stack of subtree ids while walking, a batch of at most MarkBatch ids,
// one pack's entries at a time while sweeping, plus the set of pack ids already judged this run
// (32 bytes per pack: 20 MB at 10 TB of 16 MiB packs) and one pack being rewritten.
using System.Collections.Concurrent;
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

namespace Vault.Grains.Retention;

public sealed partial class GcJob(
    VaultNode node,
    ChunkIndex index,
    TreeStore trees,
    PackReader packs,
    PackReplicator replicator,
    ClusterView view,
    IGrainFactory grains,
    RetentionSettings settings,
    JobRecord record,
    GcJobRequest request,
    ILogger logger)
{
    private const int MarkBatch = 64 * 1024;
    private const int TrashBatch = 256;
    private const int PartitionCalls = 64;
    private readonly ConcurrentDictionary<int, Guid> _incarnations = new();
    private readonly List<PackId> _sources = [];
    private readonly List<(ChunkId Id, ChunkLocation From)> _moved = [];
    private PackWriter? _writer;
    private GcRun _run = null!;

    private IRetentionGrain Retention => grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository);

    private ISnapshotCatalogGrain Catalog => grains.GetGrain<ISnapshotCatalogGrain>(Snapshots.SnapshotCatalogGrain.DefaultRepository);

    public async Task RunAsync(CancellationToken ct)
    {
        _run = new GcRun(request.Run, GcOutcome.Running, GcPhase.Marking, node.NodeId, record.Id, record.Started, null, request.DryRun, 0, 0, 0, 0, 0, 0, null);
        try
        {
            await RunPhasesAsync(ct);
        }
        catch (Exception e) when (e is not GcRunSupersededException)
        {
            var reason = e is OperationCanceledException ? "cancelled" : e.Message;
            try
            {
                await Retention.FinishGcAsync(_run with { Outcome = GcOutcome.Failed, Finished = DateTimeOffset.UtcNow, Error = reason });
            }
            catch (Exception report) when (report is not OperationCanceledException)
            {
                LogReportFailed(request.Run, report.Message);
            }

            throw;
        }
    }

    private async Task RunPhasesAsync(CancellationToken ct)
    {
        var run = request.Run;
        if (request.Unfinished != Guid.Empty)
        {
            // A run that reached the sweep had final decisions: drop them. One that did not: undo them.
            await ForEachPartitionAsync(p => index.Partition(p).EndGcAsync(request.Unfinished, drop: request.UnfinishedSwept), ct);
        }

        await EnterAsync(GcPhase.Marking);
        var marked = await Catalog.ListAsync();
        await MarkAsync(marked, ct);
        await MarkCheckpointsAsync(ct);
        _run = _run with { SnapshotsMarked = marked.Count };

        await EnterAsync(GcPhase.Condemning);
        var condemned = await ForEachPartitionAsync(
            p => index.Partition(p).CondemnAsync(run, _incarnations.TryGetValue(p, out var seen) ? seen : Guid.Empty, request.DryRun), ct);
        _run = _run with { ChunksLive = condemned.Sum(c => c.Live), ChunksRemoved = condemned.Sum(c => c.Condemned) };
        if (request.DryRun)
        {
            await ForEachPartitionAsync(p => index.Partition(p).EndGcAsync(run, drop: false), ct);
            await FinishAsync(_run with { BytesFreed = condemned.Sum(c => c.CondemnedBytes) });
            return;
        }

        // Taken before the capture: a backup whose lease the capture misses took it after this
        // instant, so every pack it writes is newer and the sweep leaves it alone.
        var captured = DateTimeOffset.UtcNow;
        await Retention.CaptureLeasesAsync(run);
        await EnterAsync(GcPhase.WaitingForBackups);
        while (await Retention.CapturedLeasesHeldAsync(run) > 0)
        {
            await Task.Delay(settings.LeasePollInterval, ct);
        }

        await EnterAsync(GcPhase.Remarking);
        var before = marked.Select(s => s.Id).ToHashSet();
        var since = (await Catalog.ListAsync()).Where(s => !before.Contains(s.Id)).ToList();
        await MarkAsync(since, ct);
        await MarkCheckpointsAsync(ct);
        _run = _run with { SnapshotsMarked = marked.Count + since.Count };

        await EnterAsync(GcPhase.Sweeping);
        await SweepAsync(captured - settings.PackAgeMargin, ct);

        await EnterAsync(GcPhase.Finishing);
        await ForEachPartitionAsync(p => index.Partition(p).EndGcAsync(run, drop: true), ct);
        foreach (var peer in Nodes())
        {
            await grains.GetGrain<IPeerGrain>(peer).EmptyTrashAsync(settings.TrashDelay);
        }

        await FinishAsync(_run);
    }

    private Task EnterAsync(GcPhase phase)
    {
        _run = _run with { Phase = phase };
        return Retention.ReportGcAsync(_run);
    }

    private Task FinishAsync(GcRun run) =>
        Retention.FinishGcAsync(run with { Outcome = GcOutcome.Succeeded, Finished = DateTimeOffset.UtcNow });

    // Depth first over each snapshot's trees; a tree already marked in this run is not walked again.
    private async Task MarkAsync(IReadOnlyList<SnapshotInfo> snapshots, CancellationToken ct)
    {
        var content = new List<ChunkId>(MarkBatch);
        var stack = new Stack<ChunkId>();
        foreach (var snapshot in snapshots)
        {
            if ((await index.MarkAsync(request.Run, [snapshot.Root], _incarnations))[0])
            {
                stack.Push(snapshot.Root);
            }

            while (stack.TryPop(out var tree))
            {
                ct.ThrowIfCancellationRequested();
                var subtrees = new List<ChunkId>();
                foreach (var entry in await trees.LoadAsync(tree, ct))
                {
                    if (entry.Subtree is { } subtree)
                    {
                        subtrees.Add(subtree);
                    }

                    content.AddRange(entry.Content);
                }

                if (content.Count >= MarkBatch)
                {
                    await index.MarkAsync(request.Run, content, _incarnations);
                    content.Clear();
                }

                // Marked before they are loaded: a subtree condemned by this run is put back first.
                var newly = await index.MarkAsync(request.Run, subtrees, _incarnations);
                for (var i = subtrees.Count - 1; i >= 0; i--)
                {
                    if (newly[i])
                    {
                        stack.Push(subtrees[i]);
                    }
                }
            }
        }

        await index.MarkAsync(request.Run, content, _incarnations);
    }

    private async Task SweepAsync(DateTimeOffset writtenBefore, CancellationToken ct)
    {
        var judged = new HashSet<PackId>();
        var trash = new List<PackId>();
        foreach (var holder in Nodes())
        {
            var peer = grains.GetGrain<IPeerGrain>(holder);
            await foreach (var pack in peer.ListPacksAsync(writtenBefore, ct).WithCancellation(ct))
            {
                if (!judged.Add(pack))
                {
                    continue;
                }

                IndexEntry[] entries;
                try
                {
                    entries = await peer.ReadPackEntriesAsync(pack);
                }
                catch (DataCorruptionException e)
                {
                    // Never delete what cannot be read: scrubbing and check report and repair it.
                    record.Warn($"pack {pack} on node '{holder}' left alone: {e.Message}");
                    continue;
                }

                var locations = await index.LookupAsync(entries.Select(e => e.Id).ToList());
                var live = new List<IndexEntry>();
                long total = 0, dead = 0;
                for (var i = 0; i < entries.Length; i++)
                {
                    total += entries[i].Location.Length;
                    if (locations[i] == entries[i].Location)
                    {
                        live.Add(entries[i]);
                    }
                    else
                    {
                        dead += entries[i].Location.Length;
                    }
                }

                if (live.Count == 0)
                {
                    trash.Add(pack);
                    if (trash.Count >= TrashBatch)
                    {
                        await TrashAsync(trash);
                    }
                }
                else if (dead > 0 && dead >= request.RepackThreshold * total)
                {
                    await RepackAsync(pack, live, ct);
                }
            }
        }

        await TrashAsync(trash);
        try
        {
            await FlushRepackAsync(ct);
        }
        finally
        {
            _writer?.Dispose();
        }
    }

    /// <summary>Moves packs to the trash on every node that holds them; counts distinct packs and every copy's bytes.</summary>
    private async Task TrashAsync(List<PackId> packs)
    {
        if (packs.Count == 0)
        {
            return;
        }

        var batch = packs.ToArray();
        packs.Clear();
        // Still the current run? (A run declared dead must not go on deleting beside its successor.)
        await Retention.ReportGcAsync(_run);
        var held = new bool[batch.Length];
        long bytes = 0;
        // Every holder at once: the window in which one node's repair could copy a pack back to a
        // node that already trashed it stays as short as one call.
        foreach (var sizes in await Task.WhenAll(Nodes().Select(holder => grains.GetGrain<IPeerGrain>(holder).TrashPacksAsync(batch))))
        {
            for (var i = 0; i < sizes.Length; i++)
            {
                if (sizes[i] >= 0)
                {
                    held[i] = true;
                    bytes += sizes[i];
                }
            }
        }

        _run = _run with { PacksDeleted = _run.PacksDeleted + held.Count(h => h), BytesFreed = _run.BytesFreed + bytes };
    }

    private IReadOnlyList<string> Nodes() =>
        view.Settings.Clustered ? view.UpNodes().Order(StringComparer.Ordinal).ToList() : [node.NodeId];

    private async Task<List<T>> ForEachPartitionAsync<T>(Func<int, Task<T>> call, CancellationToken ct)
    {
        var results = new List<T>(index.PartitionCount);
        for (var start = 0; start < index.PartitionCount; start += PartitionCalls)
        {
            ct.ThrowIfCancellationRequested();
            var end = Math.Min(index.PartitionCount, start + PartitionCalls);
            results.AddRange(await Task.WhenAll(Enumerable.Range(start, end - start).Select(call)));
        }

        return results;
    }

    private Task ForEachPartitionAsync(Func<int, Task> call, CancellationToken ct) =>
        ForEachPartitionAsync(async p =>
        {
            await call(p);
            return true;
        }, ct);

    // Repacking: the live blobs of mostly-dead packs are copied into new packs. A source pack goes
    // to the trash only once the new pack holding its blobs is stored (write quorum) and the index
    // points there; a source's blobs never straddle two new packs.

    private async Task RepackAsync(PackId pack, List<IndexEntry> live, CancellationToken ct)
    {
        // Read into a pooled buffer (local copy first, else a replica), every live blob verified
        // before any is added: a damaged pack is left alone, never half moved; scrubbing and
        // check report it and repair it from a replica.
        PackLease lease;
        try
        {
            lease = await packs.ReadPackAsync(pack, ct);
        }
        catch (CorruptDataException e)
        {
            record.Warn($"pack {pack} not repacked: {e.Message}");
            return;
        }

        using (lease)
        {
            var view = lease.View;
            var plain = Buffers.Pool.Rent((int)Math.Max(1, live.Max(e => e.Location.RawLength)));
            try
            {
                foreach (var e in live)
                {
                    view.Decode(e.Location.ToEntry(e.Id), plain);
                }
            }
            catch (CorruptDataException e)
            {
                record.Warn($"pack {pack} not repacked: {e.Message}");
                return;
            }
            finally
            {
                Buffers.Pool.Return(plain);
            }

            _writer ??= new PackWriter(node.Keys, node.Config.PackSize, Buffers.Pool);
            var payload = Buffers.Pool.Rent((int)live.Max(e => e.Location.Length));
            try
            {
                foreach (var e in live)
                {
                    var entry = e.Location.ToEntry(e.Id);
                    var length = view.ReadPayload(entry, payload);
                    _writer.Add(entry.Id, entry.Kind, entry.Mode, payload.AsSpan(0, length), (int)entry.RawLength);
                    _moved.Add((entry.Id, e.Location));
                }
            }
            finally
            {
                Buffers.Pool.Return(payload);
            }
        }

        _sources.Add(pack);
        if (_writer.IsFull)
        {
            await FlushRepackAsync(ct);
        }
    }

    private async Task FlushRepackAsync(CancellationToken ct)
    {
        if (_writer is null)
        {
            return;
        }

        using var sealedPack = _writer.Seal();
        _writer.Dispose();
        _writer = null;
        await replicator.StoreAsync(sealedPack.Id, sealedPack.Bytes, ct);
        var to = sealedPack.Entries.ToDictionary(e => e.Id, e => ChunkLocation.From(sealedPack.Id, e));
        var moves = _moved.Select(m => new Relocation(m.Id, m.From, to[m.Id])).GroupBy(m => m.Id.Partition(index.PartitionBits));
        await Task.WhenAll(moves.Select(g => index.Partition(g.Key).RelocateAsync(g.ToArray())));
        var deleted = _run.PacksDeleted;
        await TrashAsync(_sources.ToList());
        // Counted as repacked, not deleted; the bytes freed are what left minus what was written.
        var copies = view.Settings.Clustered ? view.Settings.Replicas : 1;
        _run = _run with
        {
            PacksDeleted = deleted,
            PacksRepacked = _run.PacksRepacked + _sources.Count,
            BytesFreed = _run.BytesFreed - ((long)sealedPack.Bytes.Length * copies),
        };
        _sources.Clear();
        _moved.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GC run {Run} could not report its end: {Reason}")]
    private partial void LogReportFailed(Guid run, string reason);
}
