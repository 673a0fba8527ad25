// After a recovery from an off-site target (OffsiteRecovery), the node's grains know nothing yet: this
// step rebuilds the chunk index from the trailers of the node's packs and commits every recovered
// snapshot record (which adds it to the catalog). It runs once, when DATA/offsite/recovered exists, and
// removes that directory at the end; a crash in the middle repeats it (index adds and commits are idempotent).
using Microsoft.Extensions.Logging;
using Vault.Chunks;
using Vault.Grains.Node;
using Vault.Offsite.Recovery;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Offsite;

public sealed partial class OffsiteImport(VaultNode node, IGrainFactory grains, ILogger<OffsiteImport> logger)
{
    private const int Batch = 4096;

    public bool Pending => Directory.Exists(OffsiteRecovery.RecoveredDirectory(node.DataDir));

    public async Task RunAsync(CancellationToken ct)
    {
        var dir = OffsiteRecovery.RecoveredDirectory(node.DataDir);
        if (!Directory.Exists(dir))
        {
            return;
        }

        var bits = node.Config.IndexPartitionBits;
        var pending = new Dictionary<int, List<IndexEntry>>();
        long entries = 0, packs = 0;
        foreach (var pack in node.Packs.Enumerate())
        {
            ct.ThrowIfCancellationRequested();
            foreach (var e in await PackTrailer.ReadAsync(node.Packs, node.Keys, pack, ct))
            {
                var partition = e.Id.Partition(bits);
                if (!pending.TryGetValue(partition, out var list))
                {
                    pending[partition] = list = [];
                }

                list.Add(new IndexEntry(e.Id, ChunkLocation.From(pack, e)));
                entries++;
                if (list.Count >= Batch)
                {
                    await AddAsync(partition, list);
                }
            }

            packs++;
        }

        foreach (var (partition, list) in pending)
        {
            await AddAsync(partition, list);
        }

        var snapshots = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            var snapshot = OffsiteSnapshotRecord.Decode(await File.ReadAllBytesAsync(file, ct), file);
            await grains.GetGrain<ISnapshotGrain>(snapshot.Id.Value).CommitAsync(snapshot);
            snapshots++;
        }

        Directory.Delete(dir, recursive: true);
        LogImported(packs, entries, snapshots);
    }

    private async Task AddAsync(int partition, List<IndexEntry> list)
    {
        if (list.Count == 0)
        {
            return;
        }

        var grain = grains.GetGrain<IChunkGrain>(partition);
        var incarnation = await grain.AddAsync([.. list]);
        await grain.FlushAsync(incarnation);
        list.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered from an off-site copy: index rebuilt from {Packs} packs ({Entries} entries), {Snapshots} snapshots committed")]
    private partial void LogImported(long packs, long entries, int snapshots);
}
