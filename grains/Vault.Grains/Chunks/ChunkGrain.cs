using Orleans.Concurrency;
using Vault.Chunks;
using Vault.Storage;

namespace Vault.Grains.Chunks;

[GenerateSerializer, Alias("vault.chunk-partition-state")]
public sealed class ChunkPartitionState
{
    [Id(0)] public List<IndexEntry> Entries { get; set; } = [];
}

/// <summary>
/// One partition of the chunk index, in memory, persisted. Entries are only ever added for
/// chunks whose packs are already durable, so a hit is always safe to deduplicate against.
/// The first location recorded for an id wins; a later duplicate is left for GC.
/// </summary>
public sealed class ChunkGrain(
    [PersistentState("index", VaultStorage.Index)] IPersistentState<ChunkPartitionState> state) : Grain, IChunkGrain
{
    private readonly Dictionary<ChunkId, ChunkLocation> _map = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var e in state.State.Entries)
        {
            _map.TryAdd(e.Id, e.Location);
        }

        return Task.CompletedTask;
    }

    [ReadOnly]
    public Task<ChunkLocation?[]> LookupAsync(ChunkId[] ids)
    {
        var result = new ChunkLocation?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (_map.TryGetValue(ids[i], out var location))
            {
                result[i] = location;
            }
        }

        return Task.FromResult(result);
    }

    public async Task AddAsync(IndexEntry[] entries)
    {
        var added = false;
        foreach (var e in entries)
        {
            if (_map.TryAdd(e.Id, e.Location))
            {
                state.State.Entries.Add(e);
                added = true;
            }
        }

        if (added)
        {
            await state.WriteStateAsync();
        }
    }

    [ReadOnly]
    public Task<long> CountAsync() => Task.FromResult((long)_map.Count);
}
