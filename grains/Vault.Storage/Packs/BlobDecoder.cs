using System.Buffers;
using System.Security.Cryptography;

namespace Vault.Storage;

/// <summary>Decodes blobs fetched by byte range (no whole-pack hash; GCM tag and chunk id still verified).</summary>
public static class BlobDecoder
{
    /// <summary>The pack header (magic + salt) length; fetch it once per pack to decode range reads.</summary>
    public const int HeaderSize = PackFormat.HeaderSize;

    // The last pack key used on this thread: consecutive range reads from one pack reuse it.
    [ThreadStatic]
    private static CachedCipher? t_cipher;

    public static int Decode(RepositoryKeys keys, PackId pack, ReadOnlySpan<byte> header, PackEntry entry, ReadOnlySpan<byte> blob, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (header.Length < HeaderSize)
        {
            throw new CorruptDataException(
                $"pack {pack}: the header is {header.Length} bytes; a pack header is {HeaderSize} bytes.", pack, entry.Id);
        }

        if (!header[..PackFormat.MagicSize].SequenceEqual(PackFormat.Magic))
        {
            throw new CorruptDataException($"pack {pack}: the header does not start with the pack magic (not a Vault pack).", pack, entry.Id);
        }

        var salt = header.Slice(PackFormat.MagicSize, PackFormat.SaltSize);
        if (entry.Offset < HeaderSize)
        {
            throw new CorruptDataException($"chunk {entry.Id} in pack {pack}: offset {entry.Offset} lies inside the pack header.", pack, entry.Id);
        }

        var cipher = t_cipher;
        if (cipher is null || !ReferenceEquals(cipher.Keys, keys) || !salt.SequenceEqual(cipher.Salt))
        {
            cipher?.Gcm.Dispose();
            cipher = new CachedCipher(keys, salt.ToArray(), PackFormat.NewGcm(keys, salt));
            t_cipher = cipher;
        }

        return DecodeBlob(cipher.Gcm, keys, pack, salt, entry, blob, destination);
    }

    /// <summary>Checks, decrypts, decompresses and verifies one blob (shared with <see cref="PackView"/>).</summary>
    internal static int DecodeBlob(AesGcm gcm, RepositoryKeys keys, PackId pack, ReadOnlySpan<byte> salt, PackEntry entry, ReadOnlySpan<byte> blob, Span<byte> destination)
    {
        if (blob.Length != entry.Length)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {pack}: got {blob.Length} blob bytes, the entry says {entry.Length}.", pack, entry.Id);
        }

        if (entry.Length < PackFormat.TagSize)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {pack}: a blob of {entry.Length} bytes is shorter than its authentication tag.", pack, entry.Id);
        }

        var payloadLength = (int)entry.Length - PackFormat.TagSize;
        var problem = PackFormat.CheckLengths(entry.Kind, entry.Mode, payloadLength, entry.RawLength);
        if (problem is not null)
        {
            throw new CorruptDataException($"chunk {entry.Id} in pack {pack}: {problem}.", pack, entry.Id);
        }

        var raw = (int)entry.RawLength;
        if (destination.Length < raw)
        {
            throw new ArgumentException(
                $"The destination ({destination.Length} bytes) is shorter than chunk {entry.Id} ({raw} bytes).", nameof(destination));
        }

        Span<byte> nonce = stackalloc byte[PackFormat.NonceSize];
        Span<byte> aad = stackalloc byte[PackFormat.BlobAadSize];
        PackFormat.Nonce(entry.Offset, nonce);
        PackFormat.BlobAad(salt, entry.Id, entry.Kind, entry.Mode, entry.RawLength, aad);
        var ciphertext = blob[..payloadLength];
        var tag = blob[payloadLength..];
        var plain = destination[..raw];

        if (entry.Mode == CompressionMode.None)
        {
            Decrypt(gcm, pack, entry, nonce, ciphertext, tag, plain, aad);
        }
        else
        {
            var compressed = ArrayPool<byte>.Shared.Rent(Math.Max(payloadLength, 1));
            try
            {
                Decrypt(gcm, pack, entry, nonce, ciphertext, tag, compressed.AsSpan(0, payloadLength), aad);
                int written;
                try
                {
                    written = ChunkDecompressor.ForCurrentThread.Decompress(entry.Mode, compressed.AsSpan(0, payloadLength), plain);
                }
                catch (InvalidDataException e)
                {
                    throw new CorruptDataException($"chunk {entry.Id} in pack {pack}: {e.Message}.", pack, entry.Id, e);
                }

                if (written != raw)
                {
                    throw new CorruptDataException(
                        $"chunk {entry.Id} in pack {pack}: decompressed to {written} bytes, the entry says {raw}.", pack, entry.Id);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(compressed);
            }
        }

        if (keys.ComputeId(plain) != entry.Id)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {pack}: the plaintext does not match the chunk id.", pack, entry.Id);
        }

        return raw;
    }

    private static void Decrypt(AesGcm gcm, PackId pack, PackEntry entry, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, Span<byte> plain, ReadOnlySpan<byte> aad)
    {
        try
        {
            gcm.Decrypt(nonce, ciphertext, tag, plain, aad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CorruptDataException(
                $"chunk {entry.Id} in pack {pack}: authentication tag mismatch (the blob or its entry was modified, or the key is wrong).",
                pack, entry.Id, e);
        }
    }

    private sealed record CachedCipher(RepositoryKeys Keys, byte[] Salt, AesGcm Gcm);
}
