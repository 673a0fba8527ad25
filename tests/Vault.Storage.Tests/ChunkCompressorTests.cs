namespace Vault.Storage.Tests;

public sealed class ChunkCompressorTests
{
    public static TheoryData<string, int> Inputs => new()
    {
        { "text", 1024 * 1024 },
        { "text", 100 },
        { "random", 1024 * 1024 },
        { "random", 100 },
        { "zeros", 3 * 1024 * 1024 },
        { "empty", 0 },
        { "half", 256 * 1024 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Compress_RoundTrip_RestoresPlaintext(string kind, int length)
    {
        var plain = Make(kind, length);
        using var compressor = new ChunkCompressor(3);
        var buffer = new byte[ChunkCompressor.MaxCompressedSize(plain.Length)];
        var (mode, written) = compressor.Compress(plain, buffer);
        Assert.True(written <= plain.Length);
        if (mode == CompressionMode.Zstd)
        {
            Assert.True(written < plain.Length);
        }

        var restored = new byte[plain.Length];
        using var decompressor = new ChunkDecompressor();
        Assert.Equal(plain.Length, decompressor.Decompress(mode, buffer.AsSpan(0, written), restored));
        Assert.Equal(plain, restored);
    }

    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData(4096)]
    [InlineData(50)]
    public void Compress_RandomData_StoredRaw(int length)
    {
        var plain = TestData.Random(length, 5);
        using var compressor = new ChunkCompressor(3);
        var buffer = new byte[ChunkCompressor.MaxCompressedSize(plain.Length)];
        var (mode, written) = compressor.Compress(plain, buffer);
        Assert.Equal(CompressionMode.None, mode);
        Assert.Equal(plain, buffer.AsSpan(0, written).ToArray());
    }

    [Fact]
    public void Compress_Text_Shrinks()
    {
        var plain = TestData.Text(1024 * 1024);
        using var compressor = new ChunkCompressor(3);
        // A destination the size of the plaintext is enough: larger output is never kept.
        var buffer = new byte[plain.Length];
        var (mode, written) = compressor.Compress(plain, buffer);
        Assert.Equal(CompressionMode.Zstd, mode);
        Assert.True(written < plain.Length / 4, $"compressed to {written}");
    }

    [Fact]
    public void Entropy_RandomAndText_SeparatedByThreshold()
    {
        Assert.True(ChunkCompressor.LooksIncompressible(TestData.Random(64 * 1024, 1)));
        Assert.False(ChunkCompressor.LooksIncompressible(TestData.Text(64 * 1024)));
        Assert.Equal(0, ChunkCompressor.Entropy(new byte[1000]));
    }

    [Fact]
    public void Decompress_GarbageFrame_ThrowsInvalidData()
    {
        using var decompressor = new ChunkDecompressor();
        Assert.Throws<InvalidDataException>(() => decompressor.Decompress(CompressionMode.Zstd, TestData.Random(100, 1), new byte[1000]));
    }

    [Fact]
    public void Decompress_FrameLargerThanDestination_ThrowsInvalidData()
    {
        var plain = TestData.Text(10000);
        using var compressor = new ChunkCompressor(3);
        var buffer = new byte[plain.Length];
        var (mode, written) = compressor.Compress(plain, buffer);
        Assert.Equal(CompressionMode.Zstd, mode);
        using var decompressor = new ChunkDecompressor();
        Assert.Throws<InvalidDataException>(() => decompressor.Decompress(mode, buffer.AsSpan(0, written), new byte[100]));
    }

    private static byte[] Make(string kind, int length) => kind switch
    {
        "text" => TestData.Text(length),
        "random" => TestData.Random(length, 9),
        "zeros" => new byte[length],
        "empty" => [],
        "half" => [.. TestData.Text(length / 2), .. TestData.Random(length / 2, 2)],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
