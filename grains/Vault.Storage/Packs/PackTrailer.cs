using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vault.Storage;

/// <summary>
/// A pack's table of entries without reading its blobs: the header (salt), the footer and the
/// trailer — a few KiB of a 16 MiB pack. GCM-verified, so a tampered table is an error; the blobs
/// themselves are not checked (that is what reading them, or a scrub, does).
/// </summary>
public static class PackTrailer
{
    /// <summary>Reads and verifies the entries of a pack in <paramref name="store"/> (or its trash).</summary>
    public static async Task<IReadOnlyList<PackEntry>> ReadAsync(LocalPackStore store, RepositoryKeys keys, PackId id, CancellationToken ct = default)
    {
        var length = store.Length(id);
        if (length < PackFormat.SmallestPack)
        {
            throw new CorruptDataException($"pack {id}: {length} bytes is too short for a pack (at least {PackFormat.SmallestPack}).", id);
        }

        var header = new byte[PackFormat.HeaderSize];
        var footer = new byte[PackFormat.FooterSize];
        if (await store.ReadRangeAsync(id, 0, header, ct) != header.Length
            || await store.ReadRangeAsync(id, length - footer.Length, footer, ct) != footer.Length)
        {
            throw new CorruptDataException($"pack {id} shrank while its trailer was read.", id);
        }

        if (!header.AsSpan(0, PackFormat.MagicSize).SequenceEqual(PackFormat.Magic) || !footer.AsSpan(4).SequenceEqual(PackFormat.EndMagic))
        {
            throw new CorruptDataException($"pack {id}: the header or footer magic is wrong (not a Vault pack, or truncated).", id);
        }

        var trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(footer);
        var room = length - PackFormat.HeaderSize - PackFormat.FooterSize;
        if (trailerLength < PackFormat.TagSize || trailerLength > room || (trailerLength - PackFormat.TagSize) % PackFormat.EntrySize != 0)
        {
            throw new CorruptDataException($"pack {id}: the trailer length {trailerLength} is impossible for a {length}-byte pack.", id);
        }

        var trailerStart = length - PackFormat.FooterSize - trailerLength;
        var trailer = new byte[trailerLength];
        if (await store.ReadRangeAsync(id, trailerStart, trailer, ct) != trailer.Length)
        {
            throw new CorruptDataException($"pack {id} shrank while its trailer was read.", id);
        }

        var salt = header.AsSpan(PackFormat.MagicSize, PackFormat.SaltSize);
        using var gcm = PackFormat.NewGcm(keys, salt);
        return Decrypt(gcm, id, salt, trailer, trailerStart);
    }

    /// <summary>Decrypts and validates a trailer that starts at byte <paramref name="trailerStart"/> of the pack.</summary>
    internal static PackEntry[] Decrypt(AesGcm gcm, PackId id, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> trailer, long trailerStart)
    {
        var plainLength = trailer.Length - PackFormat.TagSize;
        var count = plainLength / PackFormat.EntrySize;
        var plain = ArrayPool<byte>.Shared.Rent(Math.Max(plainLength, 1));
        try
        {
            Span<byte> nonce = stackalloc byte[PackFormat.NonceSize];
            Span<byte> aad = stackalloc byte[PackFormat.TrailerAadSize];
            PackFormat.Nonce(PackFormat.TrailerNonce, nonce);
            PackFormat.TrailerAad(salt, aad);
            try
            {
                gcm.Decrypt(nonce, trailer[..plainLength], trailer[plainLength..], plain.AsSpan(0, plainLength), aad);
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new CorruptDataException(
                    $"pack {id}: the trailer fails its authentication tag (the pack was modified, or the key is wrong).", id, inner: e);
            }

            var entries = new PackEntry[count];
            long expected = PackFormat.HeaderSize;
            for (var i = 0; i < count; i++)
            {
                var e = PackFormat.ReadEntry(plain.AsSpan(i * PackFormat.EntrySize, PackFormat.EntrySize));
                if (e.Offset != expected || e.Length < PackFormat.TagSize || e.Offset + (long)e.Length > trailerStart)
                {
                    throw new CorruptDataException(
                        $"chunk {e.Id} in pack {id}: entry {i} (offset {e.Offset}, length {e.Length}) does not fit the blob area [{PackFormat.HeaderSize}, {trailerStart}).",
                        id, e.Id);
                }

                var problem = PackFormat.CheckLengths(e.Kind, e.Mode, e.Length - PackFormat.TagSize, e.RawLength);
                if (problem is not null)
                {
                    throw new CorruptDataException($"chunk {e.Id} in pack {id}: {problem}.", id, e.Id);
                }

                expected = e.Offset + (long)e.Length;
                entries[i] = e;
            }

            if (expected != trailerStart)
            {
                throw new CorruptDataException(
                    $"pack {id}: the entries cover the blob area up to byte {expected}, but the trailer starts at {trailerStart}.", id);
            }

            return entries;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }
    }
}
