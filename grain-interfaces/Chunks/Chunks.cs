using Vault.Storage;

namespace Vault.Chunks;

[GenerateSerializer, Immutable, Alias("vault.index-entry")]
public readonly record struct IndexEntry(ChunkId Id, ChunkLocation Location);

/// <summary>The answer of a partition: where each id lives (null: not held), and which activation answered.</summary>
[GenerateSerializer, Immutable, Alias("vault.index-lookup")]
public sealed record IndexLookup(Guid Incarnation, ChunkLocation?[] Locations);

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

    /// <summary>The distinct packs this partition's entries point into (`vault check`); at most one id per pack.</summary>
    Task<PackId[]> ListPacksAsync();
}
