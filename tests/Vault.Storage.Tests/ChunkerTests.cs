using System.Diagnostics;
using Xunit.Abstractions;

namespace Vault.Storage.Tests;

public sealed class ChunkerTests(ITestOutputHelper output)
{
    [Fact]
    public void NextBoundary_SameInput_SameChunks()
    {
        using var keys = TestData.FixedKeys();
        var data = TestData.Random(2 * 1024 * 1024, 1);
        var a = TestData.Split(keys.CreateChunker(TestData.Small), data);
        var b = TestData.Split(new Chunker(TestData.Small, keys.GearTable), data);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NextBoundary_RandomData_ChunksWithinMinMaxExceptLast(ulong seed)
    {
        using var keys = TestData.FixedKeys();
        var options = TestData.Small;
        var chunks = TestData.Split(keys.CreateChunker(options), TestData.Random(4 * 1024 * 1024 + 12345, seed));
        for (var i = 0; i < chunks.Count - 1; i++)
        {
            Assert.InRange(chunks[i].Length, options.MinSize, options.MaxSize);
        }

        Assert.InRange(chunks[^1].Length, 1, options.MaxSize);
    }

    [Fact]
    public void NextBoundary_ZeroBytes_CutsAtMaxSize()
    {
        using var keys = TestData.FixedKeys();
        var options = TestData.Small;
        var chunks = TestData.Split(keys.CreateChunker(options), new byte[options.MaxSize * 3 + 10]);
        Assert.All(chunks.Take(3), c => Assert.Equal(options.MaxSize, c.Length));
        Assert.Equal(10, chunks[^1].Length);
    }

    [Fact]
    public void NextBoundary_RandomData_AverageNearAvgSize()
    {
        using var keys = TestData.FixedKeys();
        var options = TestData.Small;
        var chunks = TestData.Split(keys.CreateChunker(options), TestData.Random(16 * 1024 * 1024, 7));
        var average = chunks.Average(c => c.Length);
        output.WriteLine($"{chunks.Count} chunks, average {average:F0} B (AvgSize {options.AvgSize})");
        Assert.InRange(average, options.AvgSize * 0.75, options.AvgSize * 1.75);
    }

    [Fact]
    public void NextBoundary_InsertNearStart_MostLaterChunksUnchanged()
    {
        using var keys = TestData.FixedKeys();
        AssertShiftResistant(keys, TestData.Small, 40 * 1024 * 1024, insertAt: 100_000);
    }

    [Fact]
    public void NextBoundary_DefaultOptions_InsertNearStart_MostLaterChunksUnchanged()
    {
        using var keys = TestData.FixedKeys();
        var chunks = AssertShiftResistant(keys, ChunkerOptions.Default, 40 * 1024 * 1024, insertAt: 1_000_000);
        var options = ChunkerOptions.Default;
        for (var i = 0; i < chunks.Count - 1; i++)
        {
            Assert.InRange(chunks[i].Length, options.MinSize, options.MaxSize);
        }

        var average = chunks.Take(chunks.Count - 1).Average(c => c.Length);
        output.WriteLine($"defaults: {chunks.Count} chunks, average {average:F0} B");
        Assert.InRange(average, options.AvgSize * 0.75, options.AvgSize * 1.75);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(20000)]
    public void NextBoundary_SmallFinalInput_OneChunkOrValidCut(int length)
    {
        using var keys = TestData.FixedKeys();
        var chunker = keys.CreateChunker(TestData.Small);
        var data = TestData.Random(length, 3);
        var n = chunker.NextBoundary(data, final: true);
        if (length <= TestData.Small.MinSize)
        {
            Assert.Equal(length, n);
        }
        else
        {
            Assert.InRange(n, TestData.Small.MinSize, length);
        }
    }

    [Theory]
    [InlineData(64, 128, 256)]
    [InlineData(4096, 16384, 65536)]
    [InlineData(1000, 2048, 3001)]
    [InlineData(512 * 1024, 1024 * 1024, 8 * 1024 * 1024)]
    public void NextBoundary_MatchesSpecReference(int min, int avg, int max)
    {
        var options = new ChunkerOptions(min, avg, max);
        using var keys = TestData.FixedKeys();
        var chunker = keys.CreateChunker(options);
        var gear = keys.GearTable.ToArray();
        foreach (var data in new[] { TestData.Random(3 * max + 777, 17), TestData.Text(2 * max + 5), new byte[max + 3] })
        {
            var pos = 0;
            while (pos < data.Length)
            {
                var n = Math.Min(data.Length - pos, max);
                var window = data.AsSpan(pos, n);
                var expected = Reference(window, min, avg, gear);
                Assert.Equal(expected, chunker.NextBoundary(window, final: data.Length - pos <= max));
                pos += expected;
            }
        }
    }

    /// <summary>docs/format.md section 3, literally.</summary>
    private static int Reference(ReadOnlySpan<byte> data, int min, int avg, ulong[] gear)
    {
        if (data.Length <= min)
        {
            return data.Length;
        }

        var b = System.Numerics.BitOperations.Log2((uint)avg);
        ulong h = 0;
        for (var i = min; i < data.Length; i++)
        {
            h = (h << 1) + gear[data[i]];
            var mask = i < avg ? ulong.MaxValue << (64 - (b + 2)) : ulong.MaxValue << (64 - (b - 2));
            if ((h & mask) == 0)
            {
                return i + 1;
            }
        }

        return data.Length;
    }

    [Fact]
    public void NextBoundary_ShortWindowNotFinal_Throws()
    {
        using var keys = TestData.FixedKeys();
        var chunker = keys.CreateChunker(TestData.Small);
        Assert.Throws<ArgumentException>(() => chunker.NextBoundary(new byte[1000], final: false));
    }

    [Fact]
    public void NextBoundary_DifferentKeys_DifferentBoundaries()
    {
        using var a = TestData.FixedKeys();
        using var b = RepositoryKeys.FromMasterKey(TestData.Random(32, 99));
        var data = TestData.Random(2 * 1024 * 1024, 5);
        Assert.NotEqual(TestData.Split(a.CreateChunker(TestData.Small), data), TestData.Split(b.CreateChunker(TestData.Small), data));
    }

    [Fact]
    public void NextBoundary_Throughput_Reported()
    {
        using var keys = TestData.FixedKeys();
        var chunker = keys.CreateChunker(ChunkerOptions.Default);
        var data = TestData.Random(64 * 1024 * 1024, 11);
        TestData.Split(chunker, data);
        var sw = Stopwatch.StartNew();
        var rounds = 3;
        var count = 0;
        for (var r = 0; r < rounds; r++)
        {
            count += TestData.Split(chunker, data).Count;
        }

        sw.Stop();
        output.WriteLine($"chunker: {rounds * data.Length / sw.Elapsed.TotalSeconds / 1e9:F2} GB/s ({count / rounds} chunks per pass)");
    }

    private List<(int Offset, int Length)> AssertShiftResistant(RepositoryKeys keys, ChunkerOptions options, int size, int insertAt)
    {
        var original = TestData.Random(size, 42);
        var inserted = TestData.Random(1000, 43);
        var edited = new byte[size + inserted.Length];
        original.AsSpan(0, insertAt).CopyTo(edited);
        inserted.CopyTo(edited.AsSpan(insertAt));
        original.AsSpan(insertAt).CopyTo(edited.AsSpan(insertAt + inserted.Length));

        var chunker = keys.CreateChunker(options);
        var before = TestData.Split(chunker, original);
        var after = TestData.Split(chunker, edited);
        var afterIds = after.Select(c => keys.ComputeId(edited.AsSpan(c.Offset, c.Length))).ToHashSet();

        // Chunks that start after the edit region (allowing one MaxSize for resynchronisation).
        var later = before.Where(c => c.Offset > insertAt + options.MaxSize).ToList();
        var kept = later.Count(c => afterIds.Contains(keys.ComputeId(original.AsSpan(c.Offset, c.Length))));
        var fraction = (double)kept / later.Count;
        output.WriteLine($"{options}: {kept}/{later.Count} later chunks unchanged ({fraction:P1})");
        Assert.True(later.Count > 5, $"too few chunks ({later.Count}) to judge");
        Assert.True(fraction >= 0.8, $"only {fraction:P1} of the chunks after the edit survived");
        return before;
    }
}

public sealed class ChunkerOptionsTests
{
    [Theory]
    [InlineData(512 * 1024, 1024 * 1024, 8 * 1024 * 1024, null)]
    [InlineData(64, 128, 256, null)]
    [InlineData(32, 1024, 4096, "Vault:Chunking:MinSize is 32 B; must be ≥ 64 B")]
    [InlineData(512 * 1024, 1024 * 1024, 4096, "Vault:Chunking:MaxSize is 4 KiB; must be > AvgSize (1 MiB)")]
    [InlineData(1024, 3000, 8192, "Vault:Chunking:AvgSize is 3000 B; must be a power of two")]
    [InlineData(2048, 2048, 8192, "Vault:Chunking:MinSize is 2 KiB; must be < AvgSize (2 KiB)")]
    [InlineData(1024, 4096, 128 * 1024 * 1024, "Vault:Chunking:MaxSize is 128 MiB; must be ≤ 64 MiB")]
    [InlineData(1024, 0, 8192, "Vault:Chunking:AvgSize is 0 B; must be a power of two")]
    public void Validate_Table_ThrowsNamingKeyValueAndRule(int min, int avg, int max, string? expected)
    {
        var options = new ChunkerOptions(min, avg, max);
        if (expected is null)
        {
            options.Validate();
            return;
        }

        var e = Assert.Throws<InvalidConfigurationException>(options.Validate);
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_IsValid() => ChunkerOptions.Default.Validate();
}
