using Vault.Chunks;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Retention;

// Checkpoints of backups that have not committed (running, crashed or cancelled, kept for
// Vault:Gc:CheckpointKeepSeconds): their packs' chunks are marked like a snapshot's, so neither
// their index entries nor their packs are collected, and the next backup of the same data resumes
// by deduplicating against them. Marked while marking, and again while remarking (a running
// backup may have checkpointed entries that this run condemned in between).
public sealed partial class GcJob
{
    private async Task MarkCheckpointsAsync(CancellationToken ct)
    {
        var packs = await Retention.ListCheckpointPacksAsync();
        var ids = new List<ChunkId>(MarkBatch);
        foreach (var pack in packs)
        {
            ct.ThrowIfCancellationRequested();
            if (await TryReadEntriesAsync(pack) is not { } entries)
            {
                continue;
            }

            ids.AddRange(entries.Select(e => e.Id));
            if (ids.Count >= MarkBatch)
            {
                await index.MarkAsync(request.Run, ids, _incarnations);
                ids.Clear();
            }
        }

        await index.MarkAsync(request.Run, ids, _incarnations);
    }

    /// <summary>A checkpointed pack's entries from this node or any holder; null when none has it (it was never stored, or is lost: nothing to keep).</summary>
    private async Task<IReadOnlyList<IndexEntry>?> TryReadEntriesAsync(PackId pack)
    {
        if (node.Packs.Exists(pack))
        {
            var local = await PackTrailer.ReadAsync(node.Packs, node.Keys, pack);
            return local.Select(e => new IndexEntry(e.Id, ChunkLocation.From(pack, e))).ToList();
        }

        foreach (var holder in Nodes().Where(n => n != node.NodeId))
        {
            try
            {
                return await grains.GetGrain<IPeerGrain>(holder).ReadPackEntriesAsync(pack);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not on that node: try the next one.
            }
        }

        return null;
    }
}
