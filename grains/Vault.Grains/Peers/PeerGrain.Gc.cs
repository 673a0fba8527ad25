using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Vault.Chunks;
using Vault.Peers;
using Vault.Retention;
using Vault.Storage;

namespace Vault.Grains.Peers;

// The node-local side of garbage collection: this node's pack inventory, trailers and trash.
public sealed partial class PeerGrain
{
    public Task<JobInfo> StartGcAsync(GcJobRequest request) => Task.FromResult(jobs.StartGc(request).ToInfo());

    public async IAsyncEnumerable<PackId> ListPacksAsync(DateTimeOffset writtenBefore, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cutoff = writtenBefore.UtcDateTime;
        foreach (var pack in node.Packs.Enumerate())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var written = node.Packs.WrittenUtc(pack);
            // A pack removed mid-walk reports the file-system epoch (1601): skip it, it is gone.
            if (written < cutoff && written.Year > 1601)
            {
                yield return pack;
            }
        }

        await Task.CompletedTask;
    }

    public async Task<IndexEntry[]> ReadPackEntriesAsync(PackId pack)
    {
        var entries = await PackTrailer.ReadAsync(node.Packs, node.Keys, pack);
        return entries.Select(e => new IndexEntry(e.Id, ChunkLocation.From(pack, e))).ToArray();
    }

    public Task<long[]> TrashPacksAsync(PackId[] packs)
    {
        // Fenced first, held here or not: a repair push that races this call is refused (see CondemnedPacks).
        ServiceProvider.GetRequiredService<Replication.CondemnedPacks>().Condemn(packs);
        return Task.FromResult(Array.ConvertAll(packs, node.Packs.MoveToTrash));
    }

    public Task<long[]> EmptyTrashAsync(TimeSpan olderThan)
    {
        var (count, bytes) = node.Packs.EmptyTrash(olderThan);
        return Task.FromResult(new long[] { count, bytes });
    }
}
