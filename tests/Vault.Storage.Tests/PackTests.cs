using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vault.Storage.Tests;

internal static class Packs
{
    public static byte[][] SmallInputs() =>
    [
        TestData.Text(700),
        TestData.Random(300, 1),
        [],
        TestData.Text(2000),
        TestData.Random(300, 2),
    ];

    /// <summary>Compresses and packs the inputs (kind Data, except index 3 which is a Tree blob).</summary>
    public static SealedPack Build(RepositoryKeys keys, IReadOnlyList<byte[]> inputs, byte[]? salt = null, int targetSize = 16 * 1024 * 1024)
    {
        using var compressor = new ChunkCompressor(3);
        using var writer = salt is null ? new PackWriter(keys, targetSize) : new PackWriter(keys, targetSize, salt);
        for (var i = 0; i < inputs.Count; i++)
        {
            var plain = inputs[i];
            var buffer = new byte[ChunkCompressor.MaxCompressedSize(plain.Length)];
            var (mode, length) = compressor.Compress(plain, buffer);
            writer.Add(keys.ComputeId(plain), i == 3 ? BlobKind.Tree : BlobKind.Data, mode, buffer.AsSpan(0, length), plain.Length);
        }

        return writer.Seal();
    }

    public static PackId IdOf(ReadOnlySpan<byte> bytes) => PackId.FromBytes(SHA256.HashData(bytes));

    /// <summary>Replaces the trailer of a pack with the given entries, properly encrypted (a hostile writer that has the key).</summary>
    public static byte[] WithTrailer(RepositoryKeys keys, byte[] pack, IReadOnlyList<PackEntry> entries)
    {
        var trailerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(pack.AsSpan(pack.Length - 12));
        var blobsEnd = pack.Length - 12 - trailerLength;
        var salt = pack.AsSpan(8, 32).ToArray();
        var plain = new byte[entries.Count * PackFormat.EntrySize];
        for (var i = 0; i < entries.Count; i++)
        {
            PackFormat.WriteEntry(entries[i], plain.AsSpan(i * PackFormat.EntrySize));
        }

        var result = new byte[blobsEnd + plain.Length + 16 + 12];
        pack.AsSpan(0, blobsEnd).CopyTo(result);
        Span<byte> key = stackalloc byte[32];
        keys.DerivePackKey(salt, key);
        using var gcm = new AesGcm(key, 16);
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[PackFormat.TrailerAadSize];
        PackFormat.Nonce(ulong.MaxValue, nonce);
        PackFormat.TrailerAad(salt, aad);
        gcm.Encrypt(nonce, plain, result.AsSpan(blobsEnd, plain.Length), result.AsSpan(blobsEnd + plain.Length, 16), aad);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(result.Length - 12), (uint)(plain.Length + 16));
        "VAULTEND"u8.CopyTo(result.AsSpan(result.Length - 8));
        return result;
    }
}

public sealed class PackWriterTests
{
    [Fact]
    public void Seal_ManyBlobs_ReadBackIdentical()
    {
        using var keys = TestData.FixedKeys();
        var inputs = Enumerable.Range(0, 300)
            .Select(i => i % 3 == 0 ? TestData.Text(100 + (i * 997 % 50000)) : TestData.Random(i * 131 % 40000, (ulong)i))
            .ToArray();
        using var pack = Packs.Build(keys, inputs);
        Assert.Equal(Packs.IdOf(pack.Bytes.Span), pack.Id);
        Assert.Equal(inputs.Length, pack.Entries.Count);

        using var view = new PackView(keys, pack.Id, pack.Bytes.ToArray());
        var entries = view.ReadEntries();
        Assert.Equal(pack.Entries, entries);
        var buffer = new byte[60000];
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(keys.ComputeId(inputs[i]), entries[i].Id);
            var n = view.Decode(entries[i], buffer);
            Assert.Equal(inputs[i], buffer.AsSpan(0, n).ToArray());
        }

        Assert.Contains(entries, e => e.Mode == CompressionMode.Zstd);
        Assert.Contains(entries, e => e.Mode == CompressionMode.None);
    }

    [Fact]
    public void IsFull_PastTargetSize_True()
    {
        using var keys = TestData.FixedKeys();
        using var writer = new PackWriter(keys, 10_000);
        var data = TestData.Random(4000, 1);
        var id = keys.ComputeId(data);
        writer.Add(id, BlobKind.Data, CompressionMode.None, data, data.Length);
        Assert.False(writer.IsFull);
        writer.Add(id, BlobKind.Data, CompressionMode.None, data, data.Length);
        Assert.False(writer.IsFull);
        writer.Add(id, BlobKind.Data, CompressionMode.None, data, data.Length);
        Assert.True(writer.IsFull);
        Assert.Equal(3, writer.Count);
        Assert.Equal(40 + (3 * 4016), writer.Length);
    }

    [Fact]
    public void Add_GrowsBeyondInitialBuffer_StillReadable()
    {
        using var keys = TestData.FixedKeys();
        var inputs = Enumerable.Range(0, 5).Select(i => TestData.Random(300_000, (ulong)i)).ToArray();
        using var pack = Packs.Build(keys, inputs, targetSize: 1000);
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        var buffer = new byte[300_000];
        foreach (var (entry, input) in view.ReadEntries().Zip(inputs))
        {
            view.Decode(entry, buffer);
            Assert.Equal(input, buffer);
        }
    }

    [Fact]
    public void Add_AfterSeal_Throws()
    {
        using var keys = TestData.FixedKeys();
        using var writer = new PackWriter(keys, 1000);
        using var pack = writer.Seal();
        Assert.Throws<InvalidOperationException>(() => writer.Add(default, BlobKind.Data, CompressionMode.None, [], 0));
        Assert.Throws<InvalidOperationException>(() => writer.Seal());
    }

    [Fact]
    public void Add_RawPayloadLengthMismatch_Throws()
    {
        using var keys = TestData.FixedKeys();
        using var writer = new PackWriter(keys, 1000);
        Assert.Throws<ArgumentException>(() => writer.Add(default, BlobKind.Data, CompressionMode.None, new byte[10], 11));
        Assert.Throws<ArgumentException>(() => writer.Add(default, (BlobKind)9, CompressionMode.None, new byte[10], 10));
    }

    [Fact]
    public void Seal_Empty_ReadableWithNoEntries()
    {
        using var keys = TestData.FixedKeys();
        using var writer = new PackWriter(keys, 1000);
        using var pack = writer.Seal();
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        Assert.Empty(view.ReadEntries());
    }

    [Fact]
    public void Bytes_AfterDispose_Throws()
    {
        using var keys = TestData.FixedKeys();
        var pack = Packs.Build(keys, Packs.SmallInputs());
        pack.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pack.Bytes);
    }

    [Fact]
    public void Seal_SameInputs_DifferentSaltsDifferentPacks()
    {
        using var keys = TestData.FixedKeys();
        using var a = Packs.Build(keys, Packs.SmallInputs());
        using var b = Packs.Build(keys, Packs.SmallInputs());
        Assert.NotEqual(a.Id, b.Id);
    }
}

public sealed class PackViewTests
{
    [Fact]
    public void Constructor_FlippedByteAnywhere_CorruptDataNamingPack()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= 0x40;
            var e = Assert.Throws<CorruptDataException>(() => new PackView(keys, pack.Id, bytes));
            Assert.Equal(pack.Id, e.Pack);
            Assert.Contains(pack.Id.ToString(), e.Message, StringComparison.Ordinal);
            bytes[i] ^= 0x40;
        }
    }

    [Fact]
    public void Decode_FlippedByteAnywhere_HashBypassed_CorruptDataNamingPackAndChunk()
    {
        // An attacker who can also rename the pack (id = hash of the bad bytes) still gets nothing through.
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        var buffer = new byte[10000];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= 0x01;
            var id = Packs.IdOf(bytes);
            var blob = pack.Entries.FirstOrDefault(x => i >= x.Offset && i < x.Offset + x.Length);
            var e = Assert.Throws<CorruptDataException>(() =>
            {
                using var view = new PackView(keys, id, bytes);
                foreach (var entry in view.ReadEntries())
                {
                    view.Decode(entry, buffer);
                }
            });
            Assert.Equal(id, e.Pack);
            Assert.Contains(id.ToString(), e.Message, StringComparison.Ordinal);
            if (blob.Length != 0)
            {
                Assert.Equal(blob.Id, e.Chunk);
                Assert.Contains(blob.Id.ToString(), e.Message, StringComparison.Ordinal);
                Assert.Contains("authentication tag mismatch", e.Message, StringComparison.Ordinal);
            }

            bytes[i] ^= 0x01;
        }
    }

    [Fact]
    public void Constructor_Truncated_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            var truncated = bytes[..length];
            Assert.Throws<CorruptDataException>(() => new PackView(keys, pack.Id, truncated));
            var id = Packs.IdOf(truncated);
            Assert.Throws<CorruptDataException>(() =>
            {
                using var view = new PackView(keys, id, truncated);
                view.ReadEntries();
            });
        }
    }

    [Fact]
    public void ReadEntries_WrongKey_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        using var other = RepositoryKeys.FromMasterKey(RepositoryKeys.NewMasterKey());
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        using var view = new PackView(other, pack.Id, pack.Bytes);
        var e = Assert.Throws<CorruptDataException>(() => view.ReadEntries());
        Assert.Contains("trailer", e.Message, StringComparison.Ordinal);
        var d = Assert.Throws<CorruptDataException>(() => view.Decode(pack.Entries[0], new byte[1000]));
        Assert.Equal(pack.Entries[0].Id, d.Chunk);
    }

    [Fact]
    public void Decode_BlobSwappedWithinPack_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        byte[][] inputs = [TestData.Random(500, 1), TestData.Random(500, 2)];
        using var pack = Packs.Build(keys, inputs);
        var bytes = pack.Bytes.ToArray();
        var (a, b) = (pack.Entries[0], pack.Entries[1]);
        var blobA = bytes.AsSpan((int)a.Offset, (int)a.Length).ToArray();
        bytes.AsSpan((int)b.Offset, (int)b.Length).CopyTo(bytes.AsSpan((int)a.Offset));
        blobA.CopyTo(bytes.AsSpan((int)b.Offset));
        using var view = new PackView(keys, Packs.IdOf(bytes), bytes);
        Assert.Throws<CorruptDataException>(() => view.Decode(view.ReadEntries()[0], new byte[500]));
        // Swapping the entries too does not help: the nonce is bound to the position.
        Assert.Throws<CorruptDataException>(() => view.Decode(a with { Offset = b.Offset }, new byte[500]));
    }

    [Fact]
    public void Decode_BlobFromAnotherPack_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        byte[][] inputs = [TestData.Random(500, 1)];
        using var packA = Packs.Build(keys, inputs);
        using var packB = Packs.Build(keys, inputs);
        var bytes = packA.Bytes.ToArray();
        var e = packA.Entries[0];
        Assert.Equal(e, packB.Entries[0]);
        packB.Bytes.Span.Slice((int)e.Offset, (int)e.Length).CopyTo(bytes.AsSpan((int)e.Offset));
        using var view = new PackView(keys, Packs.IdOf(bytes), bytes);
        var x = Assert.Throws<CorruptDataException>(() => view.Decode(e, new byte[500]));
        Assert.Contains("authentication tag mismatch", x.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CompressionMode.Zstd, BlobKind.Data)]
    [InlineData(CompressionMode.None, BlobKind.Tree)]
    public void Decode_RelabelledEntry_CorruptData(CompressionMode mode, BlobKind kind)
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, [TestData.Random(500, 1)]);
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        var e = view.ReadEntries()[0];
        Assert.Throws<CorruptDataException>(() => view.Decode(e with { Mode = mode, Kind = kind }, new byte[5000]));
        Assert.Throws<CorruptDataException>(() => view.Decode(e with { Id = keys.ComputeId([1, 2, 3]) }, new byte[5000]));
    }

    public static TheoryData<string> HostileTrailers => new()
    {
        "offset-past-trailer", "offset-in-header", "short-length", "huge-raw", "unknown-kind", "unknown-mode", "gap", "overlap",
        "missing-last", "raw-mismatch", "huge-length",
    };

    [Theory]
    [MemberData(nameof(HostileTrailers))]
    public void ReadEntries_HostileTrailer_CorruptData(string attack)
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var entries = pack.Entries.ToList();
        var e0 = entries[0];
        var e1 = entries[1];
        switch (attack)
        {
            case "offset-past-trailer": entries[^1] = entries[^1] with { Offset = 1_000_000 }; break;
            case "offset-in-header": entries[0] = e0 with { Offset = 10 }; break;
            case "short-length": entries[2] = entries[2] with { Length = 3 }; break;
            case "huge-raw": entries[1] = e1 with { RawLength = uint.MaxValue }; break;
            case "unknown-kind": entries[0] = e0 with { Kind = (BlobKind)7 }; break;
            case "unknown-mode": entries[0] = e0 with { Mode = (CompressionMode)7 }; break;
            case "gap": entries[1] = e1 with { Offset = e1.Offset + 1, Length = e1.Length - 1 }; break;
            case "overlap": entries[1] = e1 with { Offset = e1.Offset - 1 }; break;
            case "missing-last": entries.RemoveAt(entries.Count - 1); break;
            case "raw-mismatch": entries[1] = e1 with { RawLength = e1.RawLength + 1 }; break;
            case "huge-length": entries[^1] = entries[^1] with { Length = uint.MaxValue }; break;
            default: throw new ArgumentOutOfRangeException(nameof(attack));
        }

        var bytes = Packs.WithTrailer(keys, pack.Bytes.ToArray(), entries);
        using var view = new PackView(keys, Packs.IdOf(bytes), bytes);
        var x = Assert.Throws<CorruptDataException>(() => view.ReadEntries());
        Assert.Equal(view.Id, x.Pack);
    }

    [Fact]
    public void WithTrailer_Unchanged_StillReadable()
    {
        // The hostile-trailer helper itself is faithful.
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = Packs.WithTrailer(keys, pack.Bytes.ToArray(), pack.Entries);
        Assert.Equal(pack.Bytes.ToArray(), bytes);
    }

    [Fact]
    public void Decode_EntryOutsideBlobArea_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        var e = pack.Entries[0];
        Assert.Throws<CorruptDataException>(() => view.Decode(e with { Offset = uint.MaxValue - 5 }, new byte[1000]));
        Assert.Throws<CorruptDataException>(() => view.Decode(e with { Length = uint.MaxValue }, new byte[1000]));
        Assert.Throws<CorruptDataException>(() => view.Decode(e with { Offset = 0 }, new byte[1000]));
    }

    [Fact]
    public void Decode_RandomMutations_OnlyCorruptData()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var original = pack.Bytes.ToArray();
        var rng = new Random(1234);
        var buffer = new byte[100_000];
        for (var round = 0; round < 2000; round++)
        {
            var bytes = (byte[])original.Clone();
            var flips = rng.Next(1, 5);
            for (var f = 0; f < flips; f++)
            {
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            }

            if (bytes.AsSpan().SequenceEqual(original))
            {
                continue;
            }

            var cut = rng.Next(4) == 0 ? rng.Next(bytes.Length) : bytes.Length;
            var mutated = bytes[..cut];
            Assert.Throws<CorruptDataException>(() =>
            {
                using var view = new PackView(keys, Packs.IdOf(mutated), mutated);
                foreach (var entry in view.ReadEntries())
                {
                    view.Decode(entry, buffer);
                }
            });
        }
    }

    [Fact]
    public void Decode_DestinationTooSmall_ThrowsArgument()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, [TestData.Text(5000)]);
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        Assert.Throws<ArgumentException>(() => view.Decode(view.ReadEntries()[0], new byte[4999]));
    }
}

public sealed class BlobDecoderTests
{
    [Fact]
    public void Decode_RangeReads_MatchPlaintext()
    {
        using var keys = TestData.FixedKeys();
        var inputs = Packs.SmallInputs();
        using var pack = Packs.Build(keys, inputs);
        var bytes = pack.Bytes.ToArray();
        var header = bytes[..BlobDecoder.HeaderSize];
        var buffer = new byte[5000];
        for (var i = 0; i < inputs.Length; i++)
        {
            var e = pack.Entries[i];
            var blob = bytes.AsSpan((int)e.Offset, (int)e.Length);
            var n = BlobDecoder.Decode(keys, pack.Id, header, e, blob, buffer);
            Assert.Equal(inputs[i], buffer.AsSpan(0, n).ToArray());
        }
    }

    [Fact]
    public void Decode_FlippedBlobOrSaltByte_CorruptDataNamingPackAndChunk()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        var buffer = new byte[5000];
        foreach (var e in pack.Entries)
        {
            var positions = Enumerable.Range(8, 32).Concat(Enumerable.Range((int)e.Offset, (int)e.Length));
            foreach (var i in positions)
            {
                bytes[i] ^= 0x80;
                var x = Assert.Throws<CorruptDataException>(() =>
                    BlobDecoder.Decode(keys, pack.Id, bytes.AsSpan(0, 40), e, bytes.AsSpan((int)e.Offset, (int)e.Length), buffer));
                Assert.Equal(pack.Id, x.Pack);
                Assert.Equal(e.Id, x.Chunk);
                Assert.Contains($"chunk {e.Id} in pack {pack.Id}: authentication tag mismatch", x.Message, StringComparison.Ordinal);
                bytes[i] ^= 0x80;
            }
        }
    }

    [Fact]
    public void Decode_BlobOfOtherPack_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        byte[][] inputs = [TestData.Random(400, 3)];
        using var a = Packs.Build(keys, inputs);
        using var b = Packs.Build(keys, inputs);
        var e = b.Entries[0];
        var blobB = b.Bytes.Slice((int)e.Offset, (int)e.Length).ToArray();
        Assert.Throws<CorruptDataException>(() => BlobDecoder.Decode(keys, a.Id, a.Bytes.Span[..40], a.Entries[0], blobB, new byte[400]));
        Assert.Equal(400, BlobDecoder.Decode(keys, b.Id, b.Bytes.Span[..40], e, blobB, new byte[400]));
    }

    [Fact]
    public void Decode_BadHeader_CorruptData()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var e = pack.Entries[0];
        var blob = pack.Bytes.Span.Slice((int)e.Offset, (int)e.Length).ToArray();
        Assert.Throws<CorruptDataException>(() => BlobDecoder.Decode(keys, pack.Id, new byte[10], e, blob, new byte[5000]));
        Assert.Throws<CorruptDataException>(() => BlobDecoder.Decode(keys, pack.Id, new byte[40], e, blob, new byte[5000]));
        Assert.Throws<CorruptDataException>(() => BlobDecoder.Decode(keys, pack.Id, pack.Bytes.Span[..40], e, blob[..^1], new byte[5000]));
    }
}
