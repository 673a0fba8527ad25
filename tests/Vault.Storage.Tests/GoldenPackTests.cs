namespace Vault.Storage.Tests;

/// <summary>The pack format pinned byte for byte: fixed key, salt and inputs.</summary>
public sealed class GoldenPackTests
{
    private const string FileName = "pack-v1.bin";

    internal static byte[][] Inputs() =>
    [
        "hello, vault"u8.ToArray(),
        TestData.Random(300, 77),
        [],
        TreeCodec.Encode(Trees.Sample()),
        TestData.Text(4096),
    ];

    [Fact]
    public void Seal_FixedKeySaltInputs_ExactGoldenBytes()
    {
        using var keys = TestData.FixedKeys();
        using var pack = Packs.Build(keys, Inputs(), TestData.FixedSalt());
        Golden.AssertMatches(FileName, pack.Bytes.ToArray(),
            "Note: blob 4 is zstd output, so a new ZstdSharp version that compresses differently also changes these bytes " +
            "(old packs stay readable, which Decode_GoldenPack_YieldsInputs checks); regenerating is then safe.");
    }

    [Fact]
    public void Decode_GoldenPack_YieldsInputs()
    {
        if (Golden.Regenerating)
        {
            return;
        }

        var bytes = Golden.Read(FileName);
        using var keys = TestData.FixedKeys();
        using var view = new PackView(keys, Packs.IdOf(bytes), bytes);
        var entries = view.ReadEntries();
        var inputs = Inputs();
        Assert.Equal(inputs.Length, entries.Count);
        Assert.Equal(BlobKind.Tree, entries[3].Kind);
        Assert.Equal(CompressionMode.Zstd, entries[4].Mode);
        Assert.Equal(CompressionMode.None, entries[1].Mode);
        var buffer = new byte[10000];
        for (var i = 0; i < inputs.Length; i++)
        {
            var n = view.Decode(entries[i], buffer);
            Assert.Equal(inputs[i], buffer.AsSpan(0, n).ToArray());
        }

        Assert.Equal(Trees.Sample().Count, TreeCodec.Decode(buffer.AsSpan(0, view.Decode(entries[3], buffer))).Count);
    }
}
