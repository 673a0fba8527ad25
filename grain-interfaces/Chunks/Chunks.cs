using Vault.Storage;

namespace Vault.Chunks;

[GenerateSerializer, Immutable, Alias("vault.index-entry")]
public readonly record struct IndexEntry(ChunkId Id, ChunkLocation Location);

/// <summary>
/// One partition of the chunk index (key: top bits of the chunk id). Calls are batched: the hot
/// path never makes one call per chunk.
/// </summary>
public interface IChunkGrain : IGrainWithIntegerKey
{
    /// <summary>For each id, its location, or null when the repository does not hold it.</summary>
    Task<ChunkLocation?[]> LookupAsync(ChunkId[] ids);

    /// <summary>Adds entries for chunks whose packs are already durable. Idempotent; returns once persisted.</summary>
    Task AddAsync(IndexEntry[] entries);

    Task<long> CountAsync();
}
