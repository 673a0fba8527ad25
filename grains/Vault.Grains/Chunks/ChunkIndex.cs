using System.Collections.Concurrent;
using Vault.Chunks;
using Vault.Storage;

namespace Vault.Grains.Chunks;

/// <summary>
/// The chunk index seen as one map: splits a batch of ids by partition, asks the partitions in
/// parallel and stitches the answers back in order. One call per partition per batch.
/// </summary>
public sealed class ChunkIndex(IGrainFactory grains, int partitionBits)
{
    public int PartitionBits { get; } = partitionBits;

    /// <summary>Read-only lookups (restore, listings).</summary>
    public Task<ChunkLocation?[]> LookupAsync(IReadOnlyList<ChunkId> ids) => LookupAsync(ids, null);

    /// <summary>A writer's view: remembers the partitions it relied on, to flush them before a commit.</summary>
    public IndexSession BeginSession() => new(this);

    internal async Task<ChunkLocation?[]> LookupAsync(IReadOnlyList<ChunkId> ids, IndexSession? session)
    {
        var result = new ChunkLocation?[ids.Count];
        if (ids.Count == 0)
        {
            return result;
        }

        var groups = Group(ids.Count, i => ids[i].Partition(PartitionBits));
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

            var found = await Partition(partition).LookupAsync(batch);
            var hit = false;
            for (var i = 0; i < found.Locations.Length; i++)
            {
                result[positions[i]] = found.Locations[i];
                hit |= found.Locations[i] is not null;
            }

            if (hit)
            {
                session?.Relied(partition, found.Incarnation);
            }
        }
    }

    internal Task AddAsync(IReadOnlyList<IndexEntry> entries, IndexSession session)
    {
        if (entries.Count == 0)
        {
            return Task.CompletedTask;
        }

        var groups = Group(entries.Count, i => entries[i].Id.Partition(PartitionBits));
        var calls = new List<Task>(groups.Count);
        foreach (var (partition, positions) in groups)
        {
            var batch = positions.Select(p => entries[p]).ToArray();
            calls.Add(AddPartitionAsync(partition, batch));
        }

        return Task.WhenAll(calls);

        async Task AddPartitionAsync(int partition, IndexEntry[] batch) =>
            session.Relied(partition, await Partition(partition).AddAsync(batch));
    }

    internal IChunkGrain Partition(int partition) => grains.GetGrain<IChunkGrain>(partition);

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

/// <summary>
/// The partitions one backup added to or deduplicated against, each with the incarnation it
/// saw first. Flushing persists them all and fails if any partition restarted meanwhile — then
/// entries the backup relied on may be gone, and it must not commit. Size: one entry per
/// partition, whatever the amount of data.
/// </summary>
public sealed class IndexSession(ChunkIndex index)
{
    private readonly ConcurrentDictionary<int, Guid> _relied = new();

    public Task<ChunkLocation?[]> LookupAsync(IReadOnlyList<ChunkId> ids) => index.LookupAsync(ids, this);

    public Task AddAsync(IReadOnlyList<IndexEntry> entries) => index.AddAsync(entries, this);

    public async Task FlushAsync()
    {
        var partitions = _relied.ToArray();
        const int parallel = 64;
        for (var i = 0; i < partitions.Length; i += parallel)
        {
            await Task.WhenAll(partitions.Skip(i).Take(parallel).Select(p => index.Partition(p.Key).FlushAsync(p.Value)));
        }
    }

    internal void Relied(int partition, Guid incarnation)
    {
        var first = _relied.GetOrAdd(partition, incarnation);
        if (first != incarnation)
        {
            throw new IndexRestartedException($"index partition {partition} restarted during the backup; run the backup again");
        }
    }
}
