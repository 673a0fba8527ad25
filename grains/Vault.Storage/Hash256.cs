using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Vault.Storage;

/// <summary>
/// A 32-byte digest held as four machine words, so ids compare and hash without allocation.
/// Shared representation of <see cref="ChunkId"/> and <see cref="PackId"/>.
/// </summary>
public readonly record struct Hash256(ulong A, ulong B, ulong C, ulong D)
{
    public const int Size = 32;

    public static Hash256 FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A 256-bit id needs {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        return new Hash256(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, A);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool TryParse([NotNullWhen(true)] string? hex, out Hash256 value)
    {
        value = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        value = FromBytes(bytes);
        return true;
    }
}

/// <summary>HMAC-SHA-256 of a chunk's plaintext under the repository's id key.</summary>
public readonly record struct ChunkId(Hash256 Value) : IComparable<ChunkId>
{
    public static ChunkId FromBytes(ReadOnlySpan<byte> bytes) => new(Hash256.FromBytes(bytes));

    public static ChunkId Parse(string hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a chunk id (64 hex digits).");

    public static bool TryParse([NotNullWhen(true)] string? hex, out ChunkId id)
    {
        var ok = Hash256.TryParse(hex, out var h);
        id = new ChunkId(h);
        return ok;
    }

    /// <summary>The top <paramref name="bits"/> bits, used to pick an index partition.</summary>
    public int Partition(int bits) => bits == 0 ? 0 : (int)(Value.A >> (64 - bits));

    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    public int CompareTo(ChunkId other)
    {
        var c = Value.A.CompareTo(other.Value.A);
        if (c != 0) { return c; }
        c = Value.B.CompareTo(other.Value.B);
        if (c != 0) { return c; }
        c = Value.C.CompareTo(other.Value.C);
        return c != 0 ? c : Value.D.CompareTo(other.Value.D);
    }

    public override string ToString() => Value.ToString();
}

/// <summary>SHA-256 of a whole pack file: names the pack and proves its integrity on every fetch.</summary>
public readonly record struct PackId(Hash256 Value)
{
    public static PackId FromBytes(ReadOnlySpan<byte> bytes) => new(Hash256.FromBytes(bytes));

    /// <summary>The id of a pack file: SHA-256 of its bytes.</summary>
    public static PackId Of(ReadOnlySpan<byte> packFile)
    {
        Span<byte> hash = stackalloc byte[Hash256.Size];
        System.Security.Cryptography.SHA256.HashData(packFile, hash);
        return FromBytes(hash);
    }

    public static PackId Parse(string hex) =>
        TryParse(hex, out var id) ? id : throw new FormatException($"'{hex}' is not a pack id (64 hex digits).");

    public static bool TryParse([NotNullWhen(true)] string? hex, out PackId id)
    {
        var ok = Hash256.TryParse(hex, out var h);
        id = new PackId(h);
        return ok;
    }

    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    public override string ToString() => Value.ToString();
}
