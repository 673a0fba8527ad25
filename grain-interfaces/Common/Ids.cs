using System.Diagnostics.CodeAnalysis;
using Vault.Storage;

namespace Vault;

/// <summary>Time-ordered snapshot identity (Guid version 7), written as 32 lower-case hex digits.</summary>
[GenerateSerializer, Immutable, Alias("vault.snapshot-id")]
public readonly record struct SnapshotId([property: Id(0)] Guid Value) : IComparable<SnapshotId>
{
    public static SnapshotId New() => new(Guid.CreateVersion7());

    public static SnapshotId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a snapshot id (32 hex digits).");

    public static bool TryParse([NotNullWhen(true)] string? text, out SnapshotId id)
    {
        var ok = Guid.TryParseExact(text, "N", out var g);
        id = new SnapshotId(g);
        return ok;
    }

    /// <summary>
    /// The first 12 hex digits, for display: the millisecond timestamp of a version 7 Guid, so
    /// distinct for all but snapshots started in the same millisecond (then give more digits).
    /// </summary>
    public string Short => ToString()[..12];

    public int CompareTo(SnapshotId other) => string.CompareOrdinal(ToString(), other.ToString());

    public override string ToString() => Value.ToString("N");
}

/// <summary>Identity of a backup or restore job on a node.</summary>
[GenerateSerializer, Immutable, Alias("vault.job-id")]
public readonly record struct JobId([property: Id(0)] Guid Value)
{
    public static JobId New() => new(Guid.CreateVersion7());

    public static bool TryParse([NotNullWhen(true)] string? text, out JobId id)
    {
        var ok = Guid.TryParseExact(text, "N", out var g);
        id = new JobId(g);
        return ok;
    }

    public override string ToString() => Value.ToString("N");
}

// The format library knows nothing of Orleans; these surrogates carry its ids across the wire.

[GenerateSerializer, Immutable, Alias("vault.hash256")]
public readonly struct Hash256Surrogate
{
    [Id(0)] public readonly ulong A;
    [Id(1)] public readonly ulong B;
    [Id(2)] public readonly ulong C;
    [Id(3)] public readonly ulong D;

    public Hash256Surrogate(Hash256 h) => (A, B, C, D) = (h.A, h.B, h.C, h.D);

    public Hash256 ToHash() => new(A, B, C, D);
}

[RegisterConverter]
public sealed class ChunkIdConverter : IConverter<ChunkId, Hash256Surrogate>
{
    public ChunkId ConvertFromSurrogate(in Hash256Surrogate surrogate) => new(surrogate.ToHash());

    public Hash256Surrogate ConvertToSurrogate(in ChunkId value) => new(value.Value);
}

[RegisterConverter]
public sealed class PackIdConverter : IConverter<PackId, Hash256Surrogate>
{
    public PackId ConvertFromSurrogate(in Hash256Surrogate surrogate) => new(surrogate.ToHash());

    public Hash256Surrogate ConvertToSurrogate(in PackId value) => new(value.Value);
}

[GenerateSerializer, Immutable, Alias("vault.chunk-location")]
public readonly struct ChunkLocationSurrogate
{
    [Id(0)] public readonly PackId Pack;
    [Id(1)] public readonly uint Offset;
    [Id(2)] public readonly uint Length;
    [Id(3)] public readonly uint RawLength;
    [Id(4)] public readonly BlobKind Kind;
    [Id(5)] public readonly CompressionMode Mode;

    public ChunkLocationSurrogate(ChunkLocation l) =>
        (Pack, Offset, Length, RawLength, Kind, Mode) = (l.Pack, l.Offset, l.Length, l.RawLength, l.Kind, l.Mode);

    public ChunkLocation ToLocation() => new(Pack, Offset, Length, RawLength, Kind, Mode);
}

[RegisterConverter]
public sealed class ChunkLocationConverter : IConverter<ChunkLocation, ChunkLocationSurrogate>
{
    public ChunkLocation ConvertFromSurrogate(in ChunkLocationSurrogate surrogate) => surrogate.ToLocation();

    public ChunkLocationSurrogate ConvertToSurrogate(in ChunkLocation value) => new(value);
}
