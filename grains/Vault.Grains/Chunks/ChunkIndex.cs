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

    internal Task<ChunkLocation?[]> LookupAsync(IReadOnlyList<ChunkId> ids, IndexSession? session) =>
        ByPartitionAsync<ChunkLocation?>(ids, async (partition, batch) =>
        {
            var found = await Partition(partition).LookupAsync(batch);
            if (session is not null && found.Locations.Any(l => l is not null))
            {
                session.Relied(partition, found.Incarnation);
            }

            return found.Locations;
        });

    /// <summary>
    /// Marks ids for GC run <paramref name="run"/>; true where an id was marked for the first time.
    /// <paramref name="incarnations"/> collects the activation of each partition that took marks
    /// (a partition that restarted mid-run lost its marks: <see cref="IndexRestartedException"/>).
    /// </summary>
    public Task<bool[]> MarkAsync(Guid run, IReadOnlyList<ChunkId> ids, ConcurrentDictionary<int, Guid> incarnations) =>
        ByPartitionAsync(ids, async (partition, batch) =>
        {
            var result = await Partition(partition).MarkAsync(run, batch);
            if (incarnations.GetOrAdd(partition, result.Incarnation) != result.Incarnation)
            {
                throw new IndexRestartedException($"index partition {partition} restarted while GC was marking; run GC again");
            }

            return result.Newly;
        });

    public int PartitionCount => 1 << PartitionBits;

    // Splits ids by partition, calls each partition once (in parallel) and stitches the answers back in order.
    private async Task<T[]> ByPartitionAsync<T>(IReadOnlyList<ChunkId> ids, Func<int, ChunkId[], Task<T[]>> call)
    {
        var result = new T[ids.Count];
        if (ids.Count == 0)
        {
            return result;
        }

        var groups = Group(ids.Count, i => ids[i].Partition(PartitionBits));
        await Task.WhenAll(groups.Select(async g =>
        {
            var positions = g.Value;
            var batch = new ChunkId[positions.Count];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = ids[positions[i]];
            }

            var answers = await call(g.Key, batch);
            for (var i = 0; i < answers.Length; i++)
            {
                result[positions[i]] = answers[i];
            }
        }));
        return result;
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
