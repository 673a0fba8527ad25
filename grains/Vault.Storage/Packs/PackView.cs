using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vault.Storage;

/// <summary>Reads a whole pack held in memory. Verifies the pack hash on construction.</summary>
public sealed class PackView : IDisposable
{
    private readonly RepositoryKeys _keys;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly byte[] _salt;
    private readonly byte[] _packKey = new byte[RepositoryKeys.PackKeySize];
    private readonly int _trailerStart;
    private readonly int _trailerLength;
    private PackEntry[]? _entries;
    private AesGcm? _idleGcm;
    private bool _disposed;

    /// <summary>Throws <see cref="CorruptDataException"/> naming the pack when the hash or structure is wrong.</summary>
    public PackView(RepositoryKeys keys, PackId id, ReadOnlyMemory<byte> bytes)
        : this(keys, id, bytes, verifyHash: true)
    {
    }

    /// <summary>Without the hash check: for tests that hand-craft hostile packs.</summary>
    internal PackView(RepositoryKeys keys, PackId id, ReadOnlyMemory<byte> bytes, bool verifyHash)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        Id = id;
        _bytes = bytes;
        var span = bytes.Span;

        if (verifyHash)
        {
            Span<byte> hash = stackalloc byte[Hash256.Size];
            SHA256.HashData(span, hash);
            if (PackId.FromBytes(hash) != id)
            {
                throw new CorruptDataException(
                    $"pack {id}: the SHA-256 of its {span.Length} bytes is {Convert.ToHexStringLower(hash)} (the pack is damaged or not this pack).", id);
            }
        }

        if (span.Length < PackFormat.SmallestPack)
        {
            throw Corrupt($"{span.Length} bytes is too short for a pack (at least {PackFormat.SmallestPack})");
        }

        if (!span[..PackFormat.MagicSize].SequenceEqual(PackFormat.Magic))
        {
            throw Corrupt("the header does not start with the pack magic (not a Vault pack)");
        }

        if (!span[^PackFormat.MagicSize..].SequenceEqual(PackFormat.EndMagic))
        {
            throw Corrupt("the file does not end with the footer magic (truncated?)");
        }

        var trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(span[^PackFormat.FooterSize..]);
        var room = span.Length - PackFormat.HeaderSize - PackFormat.FooterSize;
        if (trailerLength < PackFormat.TagSize || trailerLength > room || (trailerLength - PackFormat.TagSize) % PackFormat.EntrySize != 0)
        {
            throw Corrupt($"the trailer length {trailerLength} is impossible for a {span.Length}-byte pack");
        }

        _trailerLength = (int)trailerLength;
        _trailerStart = span.Length - PackFormat.FooterSize - _trailerLength;
        _salt = span.Slice(PackFormat.MagicSize, PackFormat.SaltSize).ToArray();
        keys.DerivePackKey(_salt, _packKey);
    }

    public PackId Id { get; }

    /// <summary>Decrypts the trailer (GCM-verified).</summary>
    public IReadOnlyList<PackEntry> ReadEntries()
    {
        if (_entries is not null)
        {
            return _entries;
        }

        var gcm = RentGcm();
        try
        {
            _entries = PackTrailer.Decrypt(gcm, Id, _salt, _bytes.Span.Slice(_trailerStart, _trailerLength), _trailerStart);
            return _entries;
        }
        finally
        {
            ReturnGcm(gcm);
        }
    }

    /// <summary>
    /// The stored payload of a blob (compressed or raw, as <see cref="PackEntry.Mode"/> says), checked by its
    /// GCM tag, into <paramref name="destination"/>; returns its length. For moving a blob into another pack
    /// unchanged: <see cref="Decode"/> it first to check its chunk id too.
    /// </summary>
    public int ReadPayload(PackEntry entry, Span<byte> destination)
    {
        if (entry.Offset < PackFormat.HeaderSize || entry.Offset + (long)entry.Length > _trailerStart || entry.Length < PackFormat.TagSize)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {Id}: offset {entry.Offset} + length {entry.Length} lies outside the blob area [{PackFormat.HeaderSize}, {_trailerStart}).",
                Id, entry.Id);
        }

        var length = (int)entry.Length - PackFormat.TagSize;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination ({destination.Length} bytes) is shorter than the payload of chunk {entry.Id} ({length} bytes).", nameof(destination));
        }

        var blob = _bytes.Span.Slice((int)entry.Offset, (int)entry.Length);
        Span<byte> nonce = stackalloc byte[PackFormat.NonceSize];
        Span<byte> aad = stackalloc byte[PackFormat.BlobAadSize];
        PackFormat.Nonce(entry.Offset, nonce);
        PackFormat.BlobAad(_salt, entry.Id, entry.Kind, entry.Mode, entry.RawLength, aad);
        var gcm = RentGcm();
        try
        {
            gcm.Decrypt(nonce, blob[..length], blob[length..], destination[..length], aad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {Id}: authentication tag mismatch (the blob or its entry was modified, or the key is wrong).", Id, entry.Id, e);
        }
        finally
        {
            ReturnGcm(gcm);
        }

        return length;
    }

    /// <summary>Decrypts, decompresses and checks the chunk id; returns the plaintext length written. Errors name pack and chunk.</summary>
    public int Decode(PackEntry entry, Span<byte> destination)
    {
        if (entry.Offset < PackFormat.HeaderSize || entry.Offset + (long)entry.Length > _trailerStart)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {Id}: offset {entry.Offset} + length {entry.Length} lies outside the blob area [{PackFormat.HeaderSize}, {_trailerStart}).",
                Id, entry.Id);
        }

        var blob = _bytes.Span.Slice((int)entry.Offset, (int)entry.Length);
        var gcm = RentGcm();
        try
        {
            return BlobDecoder.DecodeBlob(gcm, _keys, Id, _salt, entry, blob, destination);
        }
        finally
        {
            ReturnGcm(gcm);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _idleGcm, null)?.Dispose();
        CryptographicOperations.ZeroMemory(_packKey);
    }

    private CorruptDataException Corrupt(string problem) => new($"pack {Id}: {problem}.", Id);

    // One cached AesGcm, handed out to one caller at a time (AesGcm is not thread-safe).
    private AesGcm RentGcm()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Interlocked.Exchange(ref _idleGcm, null) ?? new AesGcm(_packKey, PackFormat.TagSize);
    }

    private void ReturnGcm(AesGcm gcm)
    {
        if (_disposed || Interlocked.CompareExchange(ref _idleGcm, gcm, null) is not null)
        {
            gcm.Dispose();
        }
    }
}
