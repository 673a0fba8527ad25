using Vault.Chunks;
using Vault.Storage;

namespace Vault.Grains.Chunks;

/// <summary>
/// The chunk index seen as one map: splits a batch of ids by partition, asks the partitions in
/// parallel and stitches the answers back in order. One call per partition per batch.
/// </summary>
public sealed class ChunkIndex(IGrainFactory grains, int partitionBits)
{
    public async Task<ChunkLocation?[]> LookupAsync(IReadOnlyList<ChunkId> ids)
    {
        var result = new ChunkLocation?[ids.Count];
        if (ids.Count == 0)
        {
            return result;
        }

        var groups = Group(ids.Count, i => ids[i].Partition(partitionBits));
        var calls = new List<Task>(groups.Count);
        foreach (var (partition, positions) in groups)
        {
            calls.Add(LookupPartitionAsync(partition, positions));
        }

        await Task.WhenAll(calls);
        return result;

        async Task LookupPartitionAsync(int partition, List<int> positions)
        {
            var batch = new ChunkId[positions.Count];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = ids[positions[i]];
            }

            var found = await grains.GetGrain<IChunkGrain>(partition).LookupAsync(batch);
            for (var i = 0; i < found.Length; i++)
            {
                result[positions[i]] = found[i];
            }
        }
    }

    public Task AddAsync(IReadOnlyList<IndexEntry> entries)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var groups = Group(entries.Count, i => entries[i].Id.Partition(partitionBits));
        var calls = new List<Task>(groups.Count);
        foreach (var (partition, positions) in groups)
        {
            var batch = positions.Select(p => entries[p]).ToArray();
            calls.Add(grains.GetGrain<IChunkGrain>(partition).AddAsync(batch));
        }

        return Task.WhenAll(calls);
    }

    private static Dictionary<int, List<int>> Group(int count, Func<int, int> partitionOf)
    {
        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < count; i++)
        {
            var p = partitionOf(i);
            if (!groups.TryGetValue(p, out var list))
            {
                groups[p] = list = [];
            }

            list.Add(i);
        }

        return groups;
    }
}
