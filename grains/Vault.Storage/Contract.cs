// CONTRACT STUBS: signatures are fixed; bodies are to be implemented (then this file is split
// into Chunking/, Crypto/, Packs/, Trees/, Repository/ files and deleted).
namespace Vault.Storage;

/// <summary>Base of every error Vault reports on purpose. Messages name the object (pack, chunk, path, key).</summary>
public abstract class VaultException : Exception
{
    protected VaultException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Stored bytes failed verification (pack hash, GCM tag, chunk id, structure).</summary>
public sealed class CorruptDataException : VaultException
{
    public CorruptDataException(string message, PackId? pack = null, ChunkId? chunk = null, Exception? inner = null)
        : base(message, inner) { Pack = pack; Chunk = chunk; }
    public PackId? Pack { get; }
    public ChunkId? Chunk { get; }
}

/// <summary>The password (or key file) does not open the repository.</summary>
public sealed class WrongPasswordException(string message) : VaultException(message);

/// <summary>A snapshot tree that must not be restored (hostile or malformed names, duplicates).</summary>
public sealed class InvalidTreeException(string message) : VaultException(message);

/// <summary>Invalid repository configuration or arguments, naming the key, value and rule.</summary>
public sealed class InvalidConfigurationException(string message) : VaultException(message);

/// <summary>FastCDC sizes, fixed at repository creation.</summary>
public sealed record ChunkerOptions(int MinSize, int AvgSize, int MaxSize)
{
    public static ChunkerOptions Default { get; } = new(512 * 1024, 1024 * 1024, 8 * 1024 * 1024);

    /// <summary>Throws <see cref="InvalidConfigurationException"/> naming the rule broken.</summary>
    public void Validate() => throw new NotImplementedException();
}

/// <summary>Persisted as repo/config.json. Immutable after creation.</summary>
public sealed record RepositoryConfig
{
    public int Version { get; init; } = 1;
    public required string RepositoryId { get; init; }
    public required ChunkerOptions Chunker { get; init; }
    public int PackSize { get; init; } = 16 * 1024 * 1024;
    public int CompressionLevel { get; init; } = 3;
    /// <summary>Index partitions = 2^bits (ChunkGrain keys).</summary>
    public int IndexPartitionBits { get; init; } = 12;
    public DateTimeOffset Created { get; init; }
}

/// <summary>Key material derived from the 32-byte master key. Never logged, never leaves the silo.</summary>
public sealed class RepositoryKeys : IDisposable
{
    public const int MasterKeySize = 32;
    public static byte[] NewMasterKey() => throw new NotImplementedException();
    public static RepositoryKeys FromMasterKey(ReadOnlySpan<byte> masterKey) => throw new NotImplementedException();
    /// <summary>HMAC-SHA-256(id key, plaintext).</summary>
    public ChunkId ComputeId(ReadOnlySpan<byte> plaintext) => throw new NotImplementedException();
    /// <summary>The keyed gear table of the chunker (256 entries).</summary>
    public ReadOnlySpan<ulong> GearTable => throw new NotImplementedException();
    public void Dispose() { }
}

/// <summary>Password-wrapped master key files (Argon2id KEK + AES-256-GCM) and raw key files.</summary>
public static class KeyFiles
{
    public static byte[] Wrap(ReadOnlySpan<byte> masterKey, string password) => throw new NotImplementedException();
    /// <summary>Throws <see cref="WrongPasswordException"/> if the password does not open it.</summary>
    public static byte[] Unwrap(ReadOnlySpan<byte> keyFile, string password) => throw new NotImplementedException();
}

/// <summary>FastCDC with normalized chunking and cut-point skipping. Stateless and thread-safe.</summary>
public sealed class Chunker
{
    public Chunker(ChunkerOptions options, ReadOnlySpan<ulong> gearTable) => throw new NotImplementedException();
    public ChunkerOptions Options => throw new NotImplementedException();
    /// <summary>
    /// <paramref name="data"/> starts at a chunk boundary and holds min(remaining, MaxSize) bytes;
    /// <paramref name="final"/> says they are all that remains. Returns the next chunk's length (≥ 1 when data is non-empty).
    /// </summary>
    public int NextBoundary(ReadOnlySpan<byte> data, bool final) => throw new NotImplementedException();
}

/// <summary>Per-chunk zstd. Not thread-safe: one per worker. Allocation-free.</summary>
public sealed class ChunkCompressor(int level) : IDisposable
{
    public int Level { get; } = level;
    public static int MaxCompressedSize(int rawLength) => throw new NotImplementedException();
    /// <summary>Compresses, or copies raw when compression does not shrink it (or a cheap sample says it will not).</summary>
    public (CompressionMode Mode, int Length) Compress(ReadOnlySpan<byte> plain, Span<byte> destination) => throw new NotImplementedException();
    public void Dispose() { }
}

/// <summary>Builds one pack in a pooled buffer: encrypts each blob under the per-pack key.</summary>
public sealed class PackWriter : IDisposable
{
    public PackWriter(RepositoryKeys keys, int targetSize) => throw new NotImplementedException();
    public int Count => throw new NotImplementedException();
    public long Length => throw new NotImplementedException();
    public bool IsFull => throw new NotImplementedException();
    public void Add(ChunkId id, BlobKind kind, CompressionMode mode, ReadOnlySpan<byte> payload, int rawLength) => throw new NotImplementedException();
    /// <summary>Writes the encrypted trailer and footer; the writer is done afterwards.</summary>
    public SealedPack Seal() => throw new NotImplementedException();
    public void Dispose() { }
}

/// <summary>A finished pack: its id, its bytes (pooled until disposed), and its entries.</summary>
public sealed class SealedPack : IDisposable
{
    public PackId Id => throw new NotImplementedException();
    public ReadOnlyMemory<byte> Bytes => throw new NotImplementedException();
    public IReadOnlyList<PackEntry> Entries => throw new NotImplementedException();
    public void Dispose() { }
}

/// <summary>Reads a whole pack held in memory. Verifies the pack hash on construction.</summary>
public sealed class PackView
{
    /// <summary>Throws <see cref="CorruptDataException"/> naming the pack when the hash or structure is wrong.</summary>
    public PackView(RepositoryKeys keys, PackId id, ReadOnlyMemory<byte> bytes) => throw new NotImplementedException();
    public PackId Id => throw new NotImplementedException();
    /// <summary>Decrypts the trailer (GCM-verified).</summary>
    public IReadOnlyList<PackEntry> ReadEntries() => throw new NotImplementedException();
    /// <summary>Decrypts, decompresses and checks the chunk id; returns the plaintext length written. Errors name pack and chunk.</summary>
    public int Decode(PackEntry entry, Span<byte> destination) => throw new NotImplementedException();
}

/// <summary>Decodes blobs fetched by byte range (no whole-pack hash; GCM tag and chunk id still verified).</summary>
public static class BlobDecoder
{
    /// <summary>The pack header (magic + salt) length; fetch it once per pack to decode range reads.</summary>
    public const int HeaderSize = 40;
    public static int Decode(RepositoryKeys keys, PackId pack, ReadOnlySpan<byte> header, PackEntry entry, ReadOnlySpan<byte> blob, Span<byte> destination) => throw new NotImplementedException();
}

public enum NodeType : byte
{
    File = 1,
    Directory = 2,
    Symlink = 3,
}

/// <summary>One entry of a directory tree.</summary>
public sealed record TreeNode
{
    public required string Name { get; init; }
    public required NodeType Type { get; init; }
    /// <summary>Permission and special bits (07777).</summary>
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    /// <summary>Unix time in nanoseconds.</summary>
    public long MTimeNs { get; init; }
    public long CTimeNs { get; init; }
    public long Size { get; init; }
    public ulong Inode { get; init; }
    public ulong Device { get; init; }
    public string? LinkTarget { get; init; }
    public IReadOnlyList<ChunkId> Content { get; init; } = [];
    public ChunkId? Subtree { get; init; }
}

/// <summary>Deterministic binary encoding of a directory (sorted by ordinal name) so identical directories dedup.</summary>
public static class TreeCodec
{
    /// <summary>Validates names (<see cref="NodeNames"/>) and uniqueness; sorts. Throws <see cref="InvalidTreeException"/>.</summary>
    public static byte[] Encode(IReadOnlyList<TreeNode> nodes) => throw new NotImplementedException();
    /// <summary>Validates everything Encode validates, plus structure. Throws <see cref="InvalidTreeException"/>.</summary>
    public static IReadOnlyList<TreeNode> Decode(ReadOnlySpan<byte> bytes) => throw new NotImplementedException();
}

public static class NodeNames
{
    /// <summary>False for "", ".", "..", names with '/' or NUL, or longer than 255 UTF-8 bytes.</summary>
    public static bool IsValid(string name, out string reason) => throw new NotImplementedException();
}

/// <summary>A node's pack files under one directory: packs/ab/abcdef…; atomic, durable writes.</summary>
public sealed class LocalPackStore
{
    public LocalPackStore(string root) => throw new NotImplementedException();
    public string Root => throw new NotImplementedException();
    /// <summary>Temp file, write, fsync, rename, fsync directory. Idempotent.</summary>
    public Task WriteAsync(PackId id, ReadOnlyMemory<byte> bytes, CancellationToken ct = default) => throw new NotImplementedException();
    public bool Exists(PackId id) => throw new NotImplementedException();
    public long Length(PackId id) => throw new NotImplementedException();
    /// <summary>Reads a whole pack into a new buffer. Throws <see cref="CorruptDataException"/> if missing.</summary>
    public Task<byte[]> ReadAsync(PackId id, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<int> ReadRangeAsync(PackId id, long offset, Memory<byte> destination, CancellationToken ct = default) => throw new NotImplementedException();
    public IEnumerable<PackId> Enumerate() => throw new NotImplementedException();
    public void Delete(PackId id) => throw new NotImplementedException();
}

/// <summary>
/// The repository on one node's disk: DIR/repo/config.json, DIR/repo/keys/, DIR/packs/.
/// </summary>
public sealed class LocalRepository : IDisposable
{
    /// <summary>
    /// Opens the repository under <paramref name="dataDir"/>, creating it on first use.
    /// With a password: the master key is wrapped in repo/keys/master.json. Without: a raw key file
    /// repo/keys/master.key (mode 0600) is created, and <paramref name="createdKeyFile"/> says so.
    /// </summary>
    public static LocalRepository OpenOrCreate(string dataDir, string? password, RepositoryConfig? newConfig, out bool createdKeyFile) => throw new NotImplementedException();
    public RepositoryConfig Config => throw new NotImplementedException();
    public RepositoryKeys Keys => throw new NotImplementedException();
    public LocalPackStore Packs => throw new NotImplementedException();
    public void Dispose() { }
}
