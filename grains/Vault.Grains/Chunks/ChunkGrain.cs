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
/// One partition of the chunk index, in memory, persisted on flush (and on deactivation).
/// Entries are only ever added for chunks whose packs are already durable, so a hit is always
/// safe to deduplicate against; a backup flushes every partition it used before it commits.
/// The first location recorded for an id wins; a later duplicate is left for GC.
/// </summary>
public sealed class ChunkGrain(
    [PersistentState("index", VaultStorage.Index)] IPersistentState<ChunkPartitionState> state) : Grain, IChunkGrain
{
    private readonly Dictionary<ChunkId, ChunkLocation> _map = [];
    private readonly Guid _incarnation = Guid.NewGuid();
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var e in state.State.Entries)
        {
            _map.TryAdd(e.Id, e.Location);
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await state.WriteStateAsync(cancellationToken);
            _dirty = false;
        }
    }

    [ReadOnly]
    public Task<IndexLookup> LookupAsync(ChunkId[] ids)
    {
        var result = new ChunkLocation?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            if (_map.TryGetValue(ids[i], out var location))
            {
                result[i] = location;
            }
        }

        return Task.FromResult(new IndexLookup(_incarnation, result));
    }

    public Task<Guid> AddAsync(IndexEntry[] entries)
    {
        foreach (var e in entries)
        {
            if (_map.TryAdd(e.Id, e.Location))
            {
                state.State.Entries.Add(e);
                _dirty = true;
            }
        }

        return Task.FromResult(_incarnation);
    }

    public async Task FlushAsync(Guid incarnation)
    {
        if (incarnation != _incarnation)
        {
            throw new IndexRestartedException(
                $"index partition {this.GetPrimaryKeyLong()} restarted before the entries a backup relied on were saved; run the backup again");
        }

        if (_dirty)
        {
            await state.WriteStateAsync();
            _dirty = false;
        }
    }

    [ReadOnly]
    public Task<long> CountAsync() => Task.FromResult((long)_map.Count);

    [ReadOnly]
    public Task<PackId[]> ListPacksAsync()
    {
        var packs = new HashSet<PackId>();
        foreach (var location in _map.Values)
        {
            packs.Add(location.Pack);
        }

        return Task.FromResult(packs.ToArray());
    }
}
