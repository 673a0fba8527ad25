namespace Vault.Storage.Tests;

/// <summary>The per-chunk path (chunk, id, compress, encrypt, decode) allocates nothing once warm.</summary>
public sealed class HotPathAllocationTests
{
    [Fact]
    public void ChunkIdCompressEncryptDecode_Warm_AllocatesNothing()
    {
        using var keys = TestData.FixedKeys();
        var chunker = keys.CreateChunker(TestData.Small);
        var data = new byte[1024 * 1024];
        TestData.Text(512 * 1024).CopyTo(data, 0);
        TestData.Random(512 * 1024, 3).CopyTo(data, 512 * 1024);
        using var compressor = new ChunkCompressor(3);
        var payload = new byte[ChunkCompressor.MaxCompressedSize(TestData.Small.MaxSize)];
        var plain = new byte[TestData.Small.MaxSize];
        using var writer = new PackWriter(keys, 64 * 1024 * 1024);

        void Run()
        {
            var pos = 0;
            while (pos < data.Length)
            {
                var remaining = data.Length - pos;
                var n = chunker.NextBoundary(data.AsSpan(pos, Math.Min(remaining, TestData.Small.MaxSize)), remaining <= TestData.Small.MaxSize);
                var chunk = data.AsSpan(pos, n);
                var id = keys.ComputeId(chunk);
                var (mode, length) = compressor.Compress(chunk, payload);
                writer.Add(id, BlobKind.Data, mode, payload.AsSpan(0, length), n);
                pos += n;
            }
        }

        Run();
        Run();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // PackWriter keeps one 24-byte-ish entry per blob in a growing list; nothing else may allocate.
        Assert.True(allocated < 16 * 1024, $"allocated {allocated} bytes for {data.Length} bytes of input");

        using var pack = writer.Seal();
        using var view = new PackView(keys, pack.Id, pack.Bytes);
        var entries = view.ReadEntries();
        foreach (var e in entries)
        {
            view.Decode(e, plain);
            BlobDecoder.Decode(keys, pack.Id, pack.Bytes.Span[..40], e, pack.Bytes.Span.Slice((int)e.Offset, (int)e.Length), plain);
        }

        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            view.Decode(e, plain);
            BlobDecoder.Decode(keys, pack.Id, pack.Bytes.Span[..40], e, pack.Bytes.Span.Slice((int)e.Offset, (int)e.Length), plain);
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"decoding allocated {allocated} bytes");
    }
}
