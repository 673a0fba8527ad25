namespace Vault.Storage.Tests;

/// <summary>Whole-pack verification (check --read-data, scrubbing) and the store operations scrubbing uses.</summary>
public sealed class PackVerifierTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Verify_HealthyPack_CountsEveryBlob()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        Assert.Equal(pack.Entries.Count, PackVerifier.Verify(keys, pack.Id, pack.Bytes));
    }

    [Fact]
    public void Verify_FlippedByte_FailsOnTheHash()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        bytes[pack.Entries[2].Offset + 3] ^= 0x04;

        var error = Assert.Throws<CorruptDataException>(() => PackVerifier.Verify(keys, pack.Id, bytes));
        Assert.Equal(pack.Id, error.Pack);
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Verify_DamagedBlobUnderAMatchingHash_FailsOnThatBlob()
    {
        // A pack whose id is the hash of its damaged bytes: only decoding every blob finds the damage.
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        var bytes = pack.Bytes.ToArray();
        var victim = pack.Entries[^1];
        bytes[victim.Offset + 1] ^= 0x20;

        var error = Assert.Throws<CorruptDataException>(() => PackVerifier.Verify(keys, Packs.IdOf(bytes), bytes));
        Assert.Equal(victim.Id, error.Chunk);
    }

    [Fact]
    public async Task ListPrefix_OneDirectoryInIdOrder_WithoutTempFiles()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        var ids = new List<PackId>();
        for (var i = 0; i < 40; i++)
        {
            using var pack = Packs.Build(keys, [TestData.Random(1000, (ulong)i)]);
            await store.WriteAsync(pack.Id, pack.Bytes);
            ids.Add(pack.Id);
        }

        var prefix = Convert.ToInt32(ids[0].ToString()[..2], 16);
        File.WriteAllText(store.PathOf(ids[0]) + ".tmp-abcdef", "partial");
        var expected = ids.Where(id => id.ToString().StartsWith(ids[0].ToString()[..2], StringComparison.Ordinal))
            .OrderBy(id => id.ToString(), StringComparer.Ordinal).ToList();

        Assert.Equal(expected, store.ListPrefix(prefix));
        // The 256 directories in order are the whole store in id order.
        Assert.Equal(ids.OrderBy(id => id.ToString(), StringComparer.Ordinal), Enumerable.Range(0, 256).SelectMany(store.ListPrefix));
    }

    [Fact]
    public async Task ReplaceAsync_OverwritesAHeldPack_AndWritesNothingForAnAbsentOne()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        await store.WriteAsync(pack.Id, pack.Bytes);
        var path = store.PathOf(pack.Id);
        var damaged = pack.Bytes.ToArray();
        damaged[100] ^= 1;
        File.WriteAllBytes(path, damaged);

        Assert.True(await store.ReplaceAsync(pack.Id, pack.Bytes));
        Assert.Equal(pack.Bytes.ToArray(), File.ReadAllBytes(path));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, "*.tmp-*"));

        store.Delete(pack.Id);
        Assert.False(await store.ReplaceAsync(pack.Id, pack.Bytes));
        Assert.False(store.Exists(pack.Id));
    }
}
