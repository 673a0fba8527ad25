namespace Vault.Storage.Tests;

public sealed class LocalPackStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task WriteAsync_ThenRead_SameBytes()
    {
        var store = new LocalPackStore(Path.Combine(_dir.Path, "packs"));
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        Assert.False(store.Exists(pack.Id));
        await store.WriteAsync(pack.Id, pack.Bytes);
        Assert.True(store.Exists(pack.Id));
        Assert.Equal(pack.Bytes.Length, store.Length(pack.Id));
        Assert.Equal(pack.Bytes.ToArray(), await store.ReadAsync(pack.Id));
        var hex = pack.Id.ToString();
        Assert.True(File.Exists(Path.Combine(store.Root, hex[..2], hex)));
        using var view = new PackView(keys, pack.Id, await store.ReadAsync(pack.Id));
        Assert.Equal(pack.Entries, view.ReadEntries());
    }

    [Fact]
    public async Task WriteAsync_Twice_Idempotent()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        await store.WriteAsync(pack.Id, pack.Bytes);
        await store.WriteAsync(pack.Id, pack.Bytes);
        Assert.Equal([pack.Id], store.Enumerate().ToList());
        Assert.Equal(pack.Bytes.ToArray(), await store.ReadAsync(pack.Id));
    }

    [Fact]
    public async Task ReadRangeAsync_Blob_DecodesWithHeader()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        var inputs = Packs.SmallInputs();
        using var pack = Packs.Build(keys, inputs);
        await store.WriteAsync(pack.Id, pack.Bytes);
        var header = new byte[BlobDecoder.HeaderSize];
        Assert.Equal(header.Length, await store.ReadRangeAsync(pack.Id, 0, header));
        var e = pack.Entries[3];
        var blob = new byte[e.Length];
        Assert.Equal(blob.Length, await store.ReadRangeAsync(pack.Id, e.Offset, blob));
        var plain = new byte[e.RawLength];
        BlobDecoder.Decode(keys, pack.Id, header, e, blob, plain);
        Assert.Equal(inputs[3], plain);
        Assert.Equal(5, await store.ReadRangeAsync(pack.Id, pack.Bytes.Length - 5, new byte[100]));
    }

    [Fact]
    public async Task Enumerate_ManyPacksAndTempFiles_OnlyPacks()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        var ids = new List<PackId>();
        for (var i = 0; i < 20; i++)
        {
            using var pack = Packs.Build(keys, [TestData.Random(100, (ulong)i)]);
            await store.WriteAsync(pack.Id, pack.Bytes);
            ids.Add(pack.Id);
        }

        var hex = ids[0].ToString();
        await File.WriteAllTextAsync(Path.Combine(store.Root, hex[..2], hex + ".tmp-abcdef"), "partial");
        await File.WriteAllTextAsync(Path.Combine(store.Root, hex[..2], "README"), "x");
        Directory.CreateDirectory(Path.Combine(store.Root, "zz"));
        Assert.Equal(ids.OrderBy(x => x.ToString()).ToList(), store.Enumerate().OrderBy(x => x.ToString()).ToList());
        Assert.Equal(0, store.DeleteStaleTempFiles(TimeSpan.FromHours(1)));
        Assert.Equal(1, store.DeleteStaleTempFiles(TimeSpan.Zero));
    }

    [Fact]
    public async Task ReadAsync_Missing_CorruptDataNamingPackAndRoot()
    {
        var store = new LocalPackStore(_dir.Path);
        var id = PackId.FromBytes(new byte[32]);
        var e = await Assert.ThrowsAsync<CorruptDataException>(() => store.ReadAsync(id));
        Assert.Equal(id, e.Pack);
        Assert.Contains($"pack {id} is missing from {store.Root}", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CorruptDataException>(() => store.ReadRangeAsync(id, 0, new byte[10]));
        Assert.Throws<CorruptDataException>(() => store.Length(id));
    }

    [Fact]
    public async Task Delete_Existing_Gone()
    {
        var store = new LocalPackStore(_dir.Path);
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Packs.SmallInputs());
        await store.WriteAsync(pack.Id, pack.Bytes);
        store.Delete(pack.Id);
        store.Delete(pack.Id);
        Assert.False(store.Exists(pack.Id));
        Assert.Empty(store.Enumerate());
    }

    [Fact]
    public void Enumerate_MissingRoot_Empty() => Assert.Empty(new LocalPackStore(Path.Combine(_dir.Path, "nothing")).Enumerate());
}
