using Vault.Storage;

namespace Vault.Chunks;

[GenerateSerializer, Immutable, Alias("vault.index-entry")]
public readonly record struct IndexEntry(ChunkId Id, ChunkLocation Location);

/// <summary>The answer of a partition: where each id lives (null: not held), and which activation answered.</summary>
[GenerateSerializer, Immutable, Alias("vault.index-lookup")]
public sealed record IndexLookup(Guid Incarnation, ChunkLocation?[] Locations);

/// <summary>A GC mark batch's answer: which ids were marked for the first time in this run, and which activation answered.</summary>
[GenerateSerializer, Immutable, Alias("vault.mark-result")]
public sealed record MarkResult(Guid Incarnation, bool[] Newly);

/// <summary>What condemning left in a partition: live entries, and entries set aside as unreferenced (with their stored bytes).</summary>
[GenerateSerializer, Immutable, Alias("vault.condemn-result")]
public sealed record CondemnResult(long Live, long Condemned, long CondemnedBytes);

/// <summary>Moves an entry to a new location, only if it still points at <see cref="From"/> (repack).</summary>
[GenerateSerializer, Immutable, Alias("vault.relocation")]
public readonly record struct Relocation(ChunkId Id, ChunkLocation From, ChunkLocation To);

/// <summary>
/// One partition of the chunk index (key: top bits of the chunk id). Calls are batched: the hot
/// path never makes one call per chunk. Adds are held in memory and persisted by
/// <see cref="FlushAsync"/>, once per backup rather than once per pack; the incarnation (a new
/// one per activation) tells a flushing backup whether entries it relied on could have been lost.
/// </summary>
public interface IChunkGrain : IGrainWithIntegerKey
{
    /// <summary>For each id, its location, or null when the repository does not hold it.</summary>
    Task<IndexLookup> LookupAsync(ChunkId[] ids);

    /// <summary>Adds entries for chunks whose packs are already durable (first location wins); returns the incarnation.</summary>
    Task<Guid> AddAsync(IndexEntry[] entries);

    /// <summary>
    /// Persists every pending entry. Throws <see cref="IndexRestartedException"/> when the partition
    /// is no longer the activation <paramref name="incarnation"/> named (its unsaved entries may be lost).
    /// </summary>
    Task FlushAsync(Guid incarnation);

    Task<long> CountAsync();

    // Garbage collection (one run at a time, driven by the GC job; see docs/operations.md).

    /// <summary>
    /// Marks ids as referenced in GC run <paramref name="run"/>. An id condemned by this run is put
    /// back in the index (durably, before the call returns): a backup that relied on it committed after all.
    /// </summary>
    Task<MarkResult> MarkAsync(Guid run, ChunkId[] ids);

    /// <summary>
    /// Sets every unmarked entry aside (lookups stop finding it; persisted). Throws
    /// <see cref="IndexRestartedException"/> when the partition is not the activation
    /// <paramref name="incarnation"/> that took the marks (Guid.Empty: it took none). A dry run only counts.
    /// </summary>
    Task<CondemnResult> CondemnAsync(Guid run, Guid incarnation, bool dryRun);

    /// <summary>Ends a run: drops the entries it condemned (<paramref name="drop"/>) or puts them back; forgets its marks. Idempotent.</summary>
    Task EndGcAsync(Guid run, bool drop);

    /// <summary>Applies the moves whose entry still points at the old location (durably); returns how many.</summary>
    Task<int> RelocateAsync(Relocation[] moves);
    /// <summary>The distinct packs this partition's entries point into (`vault check`); at most one id per pack.</summary>
    Task<PackId[]> ListPacksAsync();
}
