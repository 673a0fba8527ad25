using Orleans.Concurrency;
using Vault.Chunks;
using Vault.Storage;

namespace Vault.Grains.Chunks;

[GenerateSerializer, Alias("vault.chunk-partition-state")]
public sealed class ChunkPartitionState
{
    [Id(0)] public List<IndexEntry> Entries { get; set; } = [];

    /// <summary>Entries a GC run set aside as unreferenced, until the run ends (dropped) or is abandoned (restored).</summary>
    [Id(1)] public List<IndexEntry> Condemned { get; set; } = [];

    [Id(2)] public Guid CondemnedRun { get; set; }
}

/// <summary>
/// One partition of the chunk index, in memory, persisted on flush (and on deactivation).
/// Entries are only ever added for chunks whose packs are already durable, so a hit is always
/// safe to deduplicate against; a backup flushes every partition it used before it commits.
/// The first location recorded for an id wins; a later duplicate is left for GC.
/// GC: marks live only in memory for the current run (bounded by the partition's size); condemned
/// entries are persisted with their run, so a crash in the middle of a run loses no decision.
/// </summary>
public sealed class ChunkGrain(
    [PersistentState("index", VaultStorage.Index)] IPersistentState<ChunkPartitionState> state) : Grain, IChunkGrain
{
    private readonly Dictionary<ChunkId, ChunkLocation> _map = [];
    private readonly Dictionary<ChunkId, ChunkLocation> _condemned = [];
    private readonly Guid _incarnation = Guid.NewGuid();
    private HashSet<ChunkId> _marks = [];
    private Guid _markRun;
    private bool _dirty;
    private bool _rebuild;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var e in state.State.Entries)
        {
            _map.TryAdd(e.Id, e.Location);
        }

        foreach (var e in state.State.Condemned)
        {
            _condemned.TryAdd(e.Id, e.Location);
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            await SaveAsync();
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
            await SaveAsync();
        }
    }

    [ReadOnly]
    public Task<long> CountAsync() => Task.FromResult((long)_map.Count);

    public async Task<MarkResult> MarkAsync(Guid run, ChunkId[] ids)
    {
        UseRun(run);
        var newly = new bool[ids.Length];
        var restored = false;
        for (var i = 0; i < ids.Length; i++)
        {
            newly[i] = _marks.Add(ids[i]);
            if (CondemnedBy(run) && _condemned.Remove(ids[i], out var location))
            {
                // Condemned, yet a snapshot committed since refers to it: a backup deduplicated against it.
                _map.TryAdd(ids[i], location);
                restored = true;
            }
        }

        if (restored)
        {
            _rebuild = _dirty = true;
            await SaveAsync();
        }

        return new MarkResult(_incarnation, newly);
    }

    public async Task<CondemnResult> CondemnAsync(Guid run, Guid incarnation, bool dryRun)
    {
        if (incarnation != Guid.Empty && incarnation != _incarnation)
        {
            throw new IndexRestartedException(
                $"index partition {this.GetPrimaryKeyLong()} restarted while GC was marking (its marks are gone); run GC again");
        }

        if (_condemned.Count > 0 && state.State.CondemnedRun != run)
        {
            throw new InvalidRequestException(
                $"index partition {this.GetPrimaryKeyLong()} still holds entries condemned by GC run {state.State.CondemnedRun:N}; that run must be ended first");
        }

        UseRun(run);
        long condemned = 0, bytes = 0;
        var dead = new List<ChunkId>();
        foreach (var (id, location) in _map)
        {
            if (!_marks.Contains(id))
            {
                condemned++;
                bytes += location.Length;
                dead.Add(id);
            }
        }

        if (!dryRun && dead.Count > 0)
        {
            foreach (var id in dead)
            {
                _map.Remove(id, out var location);
                _condemned[id] = location;
            }

            state.State.CondemnedRun = run;
            _rebuild = _dirty = true;
            await SaveAsync();
        }

        return new CondemnResult(dryRun ? _map.Count - condemned : _map.Count, condemned, bytes);
    }

    public async Task EndGcAsync(Guid run, bool drop)
    {
        if (_markRun == run)
        {
            _marks = [];
            _markRun = Guid.Empty;
        }

        if (state.State.CondemnedRun != run || (_condemned.Count == 0 && state.State.Condemned.Count == 0))
        {
            return;
        }

        if (!drop)
        {
            foreach (var (id, location) in _condemned)
            {
                _map.TryAdd(id, location);
            }
        }

        _condemned.Clear();
        state.State.CondemnedRun = Guid.Empty;
        _rebuild = _dirty = true;
        await SaveAsync();
    }

    public async Task<int> RelocateAsync(Relocation[] moves)
    {
        var moved = 0;
        foreach (var m in moves)
        {
            if (_map.TryGetValue(m.Id, out var current) && current == m.From)
            {
                _map[m.Id] = m.To;
                moved++;
            }
        }

        if (moved > 0)
        {
            _rebuild = _dirty = true;
            await SaveAsync();
        }

        return moved;
    }

    private bool CondemnedBy(Guid run) => _condemned.Count > 0 && state.State.CondemnedRun == run;

    private void UseRun(Guid run)
    {
        if (_markRun != run)
        {
            _marks = [];
            _markRun = run;
        }
    }

    private async Task SaveAsync()
    {
        if (_rebuild)
        {
            state.State.Entries = _map.Select(kv => new IndexEntry(kv.Key, kv.Value)).ToList();
            state.State.Condemned = _condemned.Select(kv => new IndexEntry(kv.Key, kv.Value)).ToList();
            _rebuild = false;
        }

        await state.WriteStateAsync();
        _dirty = false;
    }

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
