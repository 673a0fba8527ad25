// Pack files.
//
// Glossary
//   pack     an immutable file of encrypted blobs, named by the SHA-256 of its bytes (PackId).
//   blob     one chunk inside a pack: AES-256-GCM(pack key, nonce, payload, AAD) ‖ 16-byte tag,
//            where payload is the plaintext, raw or zstd-compressed.
//   salt     32 random bytes in the pack header; pack key = HKDF(master, salt, "vault/pack/v1").
//   trailer  the encrypted table of entries at the end; footer = trailer length + end magic.
//
// Layout (all integers little-endian)
//   0   8   magic "VAULTPK1"
//   8   32  salt
//   40  …   blobs, back to back; blob i starts where blob i-1 ends
//   T   L   trailer = AES-GCM(pack key, nonce(ulong.MaxValue), entries, AAD = salt ‖ "trailer") ‖ tag
//            entry (46 bytes) = chunk id 32 ‖ kind 1 ‖ mode 1 ‖ offset u32 ‖ length u32 ‖ raw length u32
//   T+L 4   L (u32, includes the 16-byte tag)
//   +4  8   magic "VAULTEND"
//   nonce(n)  = 4 zero bytes ‖ n as u64; for a blob n is its byte offset in the pack (unique within
//               the pack, and known to a reader that has only the index entry).
//   blob AAD  = salt ‖ chunk id ‖ kind ‖ mode ‖ raw length u32 (70 bytes): a blob cannot be moved to
//               another pack (salt, key), to another position (nonce) or relabelled (id, kind, mode, length).
//
// Invariants
//   * PackId = SHA-256(file): any change to any byte is detected before anything is parsed.
//   * Every entry satisfies 40 ≤ offset, offset + length ≤ T, length ≥ 16; entries are contiguous.
//   * Decoding checks the GCM tag, then HMAC(id key, plaintext) == chunk id.
//   * Readers bounds-check every length and offset: a truncated or hostile pack gives
//     CorruptDataException, never an index error or an allocation larger than the pack.
//
// Crash behaviour: packs are built in memory and written by LocalPackStore through a temp file
// and an atomic rename, so a crash leaves either no pack or a complete one (plus maybe a temp file).
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vault.Storage;

internal static class PackFormat
{
    public const int MagicSize = 8;
    public const int SaltSize = 32;
    public const int HeaderSize = MagicSize + SaltSize;
    public const int TagSize = 16;
    public const int NonceSize = 12;
    public const int FooterSize = 4 + MagicSize;
    public const int EntrySize = Hash256.Size + 1 + 1 + 4 + 4 + 4;
    public const int BlobAadSize = SaltSize + Hash256.Size + 1 + 1 + 4;
    public const int TrailerAadSize = SaltSize + 7;
    public const ulong TrailerNonce = ulong.MaxValue;
    public const int SmallestPack = HeaderSize + TagSize + FooterSize;

    /// <summary>Largest plaintext of one blob (trees of huge directories included).</summary>
    public const int MaxRawLength = 256 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "VAULTPK1"u8;
    public static ReadOnlySpan<byte> EndMagic => "VAULTEND"u8;
    public static ReadOnlySpan<byte> TrailerLabel => "trailer"u8;

    public static void Nonce(ulong counter, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], counter);
    }

    public static void BlobAad(ReadOnlySpan<byte> salt, ChunkId id, BlobKind kind, CompressionMode mode, uint rawLength, Span<byte> aad)
    {
        salt.CopyTo(aad);
        id.WriteTo(aad[SaltSize..]);
        aad[SaltSize + 32] = (byte)kind;
        aad[SaltSize + 33] = (byte)mode;
        BinaryPrimitives.WriteUInt32LittleEndian(aad[(SaltSize + 34)..], rawLength);
    }

    public static void TrailerAad(ReadOnlySpan<byte> salt, Span<byte> aad)
    {
        salt.CopyTo(aad);
        TrailerLabel.CopyTo(aad[SaltSize..]);
    }

    public static void WriteEntry(in PackEntry e, Span<byte> dest)
    {
        e.Id.WriteTo(dest);
        dest[32] = (byte)e.Kind;
        dest[33] = (byte)e.Mode;
        BinaryPrimitives.WriteUInt32LittleEndian(dest[34..], e.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[38..], e.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[42..], e.RawLength);
    }

    public static PackEntry ReadEntry(ReadOnlySpan<byte> src) => new(
        ChunkId.FromBytes(src[..32]),
        (BlobKind)src[32],
        (CompressionMode)src[33],
        BinaryPrimitives.ReadUInt32LittleEndian(src[34..]),
        BinaryPrimitives.ReadUInt32LittleEndian(src[38..]),
        BinaryPrimitives.ReadUInt32LittleEndian(src[42..]));

    public static bool IsKnown(BlobKind kind) => kind is BlobKind.Data or BlobKind.Tree;

    public static bool IsKnown(CompressionMode mode) => mode is CompressionMode.None or CompressionMode.Zstd;

    /// <summary>Why an entry's lengths cannot be right (null when they are plausible).</summary>
    public static string? CheckLengths(BlobKind kind, CompressionMode mode, long payloadLength, long rawLength)
    {
        if (!IsKnown(kind))
        {
            return $"unknown blob kind {(byte)kind}";
        }

        if (!IsKnown(mode))
        {
            return $"unknown compression mode {(byte)mode}";
        }

        if (rawLength < 0 || rawLength > MaxRawLength)
        {
            return $"raw length {rawLength} is out of range (at most {MaxRawLength})";
        }

        if (payloadLength < 0)
        {
            return $"payload length {payloadLength} is negative";
        }

        if (mode == CompressionMode.None && payloadLength != rawLength)
        {
            return $"an uncompressed payload of {payloadLength} bytes cannot hold {rawLength} raw bytes";
        }

        if (mode == CompressionMode.Zstd && payloadLength > ChunkCompressor.MaxCompressedSize((int)rawLength))
        {
            return $"a zstd payload of {payloadLength} bytes is too large for {rawLength} raw bytes";
        }

        return null;
    }

    public static AesGcm NewGcm(RepositoryKeys keys, ReadOnlySpan<byte> salt)
    {
        Span<byte> key = stackalloc byte[RepositoryKeys.PackKeySize];
        keys.DerivePackKey(salt, key);
        try
        {
            return new AesGcm(key, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
