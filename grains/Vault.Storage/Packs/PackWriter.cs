using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vault.Storage;

/// <summary>Builds one pack in a pooled buffer: encrypts each blob under the per-pack key.</summary>
public sealed class PackWriter : IDisposable
{
    public const int MaxTargetSize = 1024 * 1024 * 1024;

    private readonly byte[] _salt;
    private readonly int _targetSize;
    private readonly List<PackEntry> _entries = [];
    private AesGcm? _gcm;
    private readonly ArrayPool<byte> _pool;
    private byte[]? _buffer;
    private int _length;
    private bool _sealed;

    /// <param name="pool">Where the pack buffer comes from and goes back to (also from the <see cref="SealedPack"/>); the shared pool by default.</param>
    public PackWriter(RepositoryKeys keys, int targetSize, ArrayPool<byte>? pool = null)
        : this(keys, targetSize, RandomNumberGenerator.GetBytes(PackFormat.SaltSize), pool)
    {
    }

    /// <summary>With a chosen salt: only for reproducible test vectors (a salt must never be reused).</summary>
    internal PackWriter(RepositoryKeys keys, int targetSize, ReadOnlySpan<byte> salt, ArrayPool<byte>? pool = null)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        ArgumentNullException.ThrowIfNull(keys);
        if (targetSize < 1 || targetSize > MaxTargetSize)
        {
            throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, $"A pack target size is 1 B to {Sizes.Format(MaxTargetSize)}.");
        }

        if (salt.Length != PackFormat.SaltSize)
        {
            throw new ArgumentException($"A pack salt is {PackFormat.SaltSize} bytes, got {salt.Length}.", nameof(salt));
        }

        _salt = salt.ToArray();
        _targetSize = targetSize;
        _gcm = PackFormat.NewGcm(keys, _salt);
        // Room for the target plus the blob that crosses it, so a pack rarely needs to grow.
        var initial = (int)Math.Min((long)targetSize + (targetSize / 2) + (64 * 1024), Array.MaxLength);
        _buffer = _pool.Rent(initial);
        PackFormat.Magic.CopyTo(_buffer);
        _salt.CopyTo(_buffer, PackFormat.MagicSize);
        _length = PackFormat.HeaderSize;
    }

    public int Count => _entries.Count;

    /// <summary>Bytes written so far (header and blobs; the trailer comes at <see cref="Seal"/>).</summary>
    public long Length => _length;

    public bool IsFull => _length >= _targetSize;

    public void Add(ChunkId id, BlobKind kind, CompressionMode mode, ReadOnlySpan<byte> payload, int rawLength)
    {
        var gcm = Writable();
        var problem = PackFormat.CheckLengths(kind, mode, payload.Length, rawLength);
        if (problem is not null)
        {
            throw new ArgumentException($"Cannot add chunk {id}: {problem}.");
        }

        var blobLength = payload.Length + PackFormat.TagSize;
        var offset = _length;
        if ((long)offset + blobLength > Array.MaxLength - (PackFormat.EntrySize * (long)(_entries.Count + 1)) - PackFormat.TagSize - PackFormat.FooterSize)
        {
            throw new InvalidOperationException($"Cannot add chunk {id}: the pack would exceed the largest pack size; seal it first.");
        }

        EnsureCapacity(offset + blobLength);
        var buffer = _buffer!;
        Span<byte> nonce = stackalloc byte[PackFormat.NonceSize];
        Span<byte> aad = stackalloc byte[PackFormat.BlobAadSize];
        PackFormat.Nonce((ulong)offset, nonce);
        PackFormat.BlobAad(_salt, id, kind, mode, (uint)rawLength, aad);
        gcm.Encrypt(nonce, payload, buffer.AsSpan(offset, payload.Length), buffer.AsSpan(offset + payload.Length, PackFormat.TagSize), aad);
        _length = offset + blobLength;
        _entries.Add(new PackEntry(id, kind, mode, (uint)offset, (uint)blobLength, (uint)rawLength));
    }

    /// <summary>Writes the encrypted trailer and footer; the writer is done afterwards.</summary>
    public SealedPack Seal()
    {
        var gcm = Writable();
        var trailerPlain = _entries.Count * PackFormat.EntrySize;
        var trailerLength = trailerPlain + PackFormat.TagSize;
        EnsureCapacity(_length + trailerLength + PackFormat.FooterSize);
        var buffer = _buffer!;

        var plain = ArrayPool<byte>.Shared.Rent(Math.Max(trailerPlain, 1));
        try
        {
            for (var i = 0; i < _entries.Count; i++)
            {
                PackFormat.WriteEntry(_entries[i], plain.AsSpan(i * PackFormat.EntrySize, PackFormat.EntrySize));
            }

            Span<byte> nonce = stackalloc byte[PackFormat.NonceSize];
            Span<byte> aad = stackalloc byte[PackFormat.TrailerAadSize];
            PackFormat.Nonce(PackFormat.TrailerNonce, nonce);
            PackFormat.TrailerAad(_salt, aad);
            gcm.Encrypt(nonce, plain.AsSpan(0, trailerPlain), buffer.AsSpan(_length, trailerPlain),
                buffer.AsSpan(_length + trailerPlain, PackFormat.TagSize), aad);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }

        _length += trailerLength;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(_length), (uint)trailerLength);
        PackFormat.EndMagic.CopyTo(buffer.AsSpan(_length + 4));
        _length += PackFormat.FooterSize;

        Span<byte> hash = stackalloc byte[Hash256.Size];
        SHA256.HashData(buffer.AsSpan(0, _length), hash);
        var pack = new SealedPack(PackId.FromBytes(hash), buffer, _length, _entries.ToArray(), _pool);
        _buffer = null;
        _sealed = true;
        _gcm?.Dispose();
        _gcm = null;
        return pack;
    }

    public void Dispose()
    {
        _gcm?.Dispose();
        _gcm = null;
        if (_buffer is not null)
        {
            _pool.Return(_buffer);
            _buffer = null;
        }
    }

    private AesGcm Writable()
    {
        if (_sealed)
        {
            throw new InvalidOperationException("The pack is sealed; start a new PackWriter.");
        }

        ObjectDisposedException.ThrowIf(_gcm is null || _buffer is null, this);
        return _gcm;
    }

    private void EnsureCapacity(long needed)
    {
        var buffer = _buffer!;
        if (needed <= buffer.Length)
        {
            return;
        }

        var size = (int)Math.Min(Math.Max(needed, (long)buffer.Length * 2), Array.MaxLength);
        var bigger = _pool.Rent(size);
        buffer.AsSpan(0, _length).CopyTo(bigger);
        _pool.Return(buffer);
        _buffer = bigger;
    }
}
