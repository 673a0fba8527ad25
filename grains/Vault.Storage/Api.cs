// Public surface of the repository format that the grains build on. Bodies marked
// NotImplemented are filled in by the format implementation; signatures are the contract.
namespace Vault.Storage;

/// <summary>What a chunk holds.</summary>
public enum BlobKind : byte
{
    Data = 1,
    Tree = 2,
}

/// <summary>How a blob's payload is stored inside its encrypted envelope.</summary>
public enum CompressionMode : byte
{
    None = 0,
    Zstd = 1,
}

/// <summary>
/// One blob inside a pack. Offset and Length address the encrypted bytes (ciphertext + GCM tag)
/// within the pack file; RawLength is the plaintext length.
/// </summary>
public readonly record struct PackEntry(ChunkId Id, BlobKind Kind, CompressionMode Mode, uint Offset, uint Length, uint RawLength);

/// <summary>An index entry: where a chunk lives.</summary>
public readonly record struct ChunkLocation(PackId Pack, uint Offset, uint Length, uint RawLength, BlobKind Kind, CompressionMode Mode)
{
    public PackEntry ToEntry(ChunkId id) => new(id, Kind, Mode, Offset, Length, RawLength);

    public static ChunkLocation From(PackId pack, PackEntry e) => new(pack, e.Offset, e.Length, e.RawLength, e.Kind, e.Mode);
}
