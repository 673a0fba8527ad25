using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Vault.Storage;

namespace Vault.Benchmarks;

// Throughput of each benchmark is in the "MiB/s" column (bytes per operation / mean).
// Iteration counts are modest so the whole suite finishes in a few minutes on 2 cores.

/// <summary>Content-defined chunking over a 64 MiB random buffer.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
[Config(typeof(BenchConfig))]
public class ChunkerBenchmarks
{
    private const int BufferSize = 64 * TestData.MiB;
    private byte[] _data = [];
    private RepositoryKeys? _keys;
    private Chunker? _chunker;

    [GlobalSetup]
    public void Setup()
    {
        _data = TestData.Random(BufferSize, seed: 1);
        _keys = RepositoryKeys.FromMasterKey(TestData.MasterKey());
        _chunker = new Chunker(ChunkerOptions.Default, _keys.GearTable);
    }

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    /// <summary>Returns the number of chunks found in the buffer.</summary>
    [Benchmark]
    [BytesPerOperation(BufferSize)]
    public int NextBoundary()
    {
        var chunker = _chunker!;
        var max = chunker.Options.MaxSize;
        ReadOnlySpan<byte> rest = _data;
        var chunks = 0;
        while (!rest.IsEmpty)
        {
            var final = rest.Length <= max;
            var window = final ? rest : rest[..max];
            var length = chunker.NextBoundary(window, final);
            rest = rest[length..];
            chunks++;
        }

        return chunks;
    }
}

/// <summary>Per-chunk zstd on 1 MiB of log-like text and of random bytes.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[Config(typeof(BenchConfig))]
public class CompressionBenchmarks
{
    private const int Size = TestData.MiB;
    private byte[] _input = [];
    private byte[] _output = [];
    private ChunkCompressor? _compressor;

    [Params("text", "random")]
    public string Data { get; set; } = "text";

    [Params(3)]
    public int Level { get; set; } = 3;

    [GlobalSetup]
    public void Setup()
    {
        _input = Data == "text" ? TestData.Text(Size, seed: 2) : TestData.Random(Size, seed: 3);
        _output = new byte[ChunkCompressor.MaxCompressedSize(Size)];
        _compressor = new ChunkCompressor(Level);
        var (mode, length) = _compressor.Compress(_input, _output);
        Console.WriteLine($"// {Data}: mode={mode}, {Size} -> {length} bytes (ratio {(double)Size / length:F2})");
    }

    [GlobalCleanup]
    public void Cleanup() => _compressor?.Dispose();

    [Benchmark]
    [BytesPerOperation(Size)]
    public int Compress() => _compressor!.Compress(_input, _output).Length;
}

/// <summary>Building a pack: 16 encrypted blobs of 1 MiB, then the encrypted trailer and footer.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[Config(typeof(BenchConfig))]
public class PackWriterBenchmarks
{
    private const int BlobCount = 16;
    private const int BlobSize = TestData.MiB;
    // Room for 16 MiB of payload plus per-blob and trailer overhead, so no Add is refused.
    private const int TargetSize = (BlobCount + 1) * BlobSize;

    private RepositoryKeys? _keys;
    private byte[][] _blobs = [];
    private ChunkId[] _ids = [];

    [GlobalSetup]
    public void Setup()
    {
        _keys = RepositoryKeys.FromMasterKey(TestData.MasterKey());
        _blobs = new byte[BlobCount][];
        _ids = new ChunkId[BlobCount];
        for (var i = 0; i < BlobCount; i++)
        {
            _blobs[i] = TestData.Random(BlobSize, seed: 100 + i);
            _ids[i] = _keys.ComputeId(_blobs[i]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    /// <summary>Returns the sealed pack length.</summary>
    [Benchmark]
    [BytesPerOperation((long)BlobCount * BlobSize)]
    public int AddAndSeal()
    {
        using var writer = new PackWriter(_keys!, TargetSize);
        for (var i = 0; i < _blobs.Length; i++)
        {
            writer.Add(_ids[i], BlobKind.Data, CompressionMode.None, _blobs[i], _blobs[i].Length);
        }

        using var pack = writer.Seal();
        return pack.Bytes.Length;
    }
}

/// <summary>Reading a pack held in memory: opening (hash check + trailer) and decoding every blob.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[Config(typeof(BenchConfig))]
public class PackViewBenchmarks
{
    private const int BlobCount = 16;
    private const int BlobSize = TestData.MiB;

    private RepositoryKeys? _keys;
    private PackId _packId;
    private byte[] _packBytes = [];
    private PackView? _view;
    private PackEntry[] _entries = [];
    private byte[] _destination = [];

    /// <summary>"random": blobs stored raw; "text": blobs stored zstd-compressed, so Decode also decompresses.</summary>
    [Params("random", "text")]
    public string Data { get; set; } = "random";

    [GlobalSetup]
    public void Setup()
    {
        _keys = RepositoryKeys.FromMasterKey(TestData.MasterKey());
        using var compressor = new ChunkCompressor(3);
        var compressed = new byte[ChunkCompressor.MaxCompressedSize(BlobSize)];
        using (var writer = new PackWriter(_keys, (BlobCount + 1) * BlobSize))
        {
            for (var i = 0; i < BlobCount; i++)
            {
                var plain = Data == "text" ? TestData.Text(BlobSize, seed: 200 + i) : TestData.Random(BlobSize, seed: 200 + i);
                var id = _keys.ComputeId(plain);
                var (mode, length) = compressor.Compress(plain, compressed);
                var payload = mode == CompressionMode.None ? plain.AsSpan() : compressed.AsSpan(0, length);
                writer.Add(id, BlobKind.Data, mode, payload, plain.Length);
            }

            using var pack = writer.Seal();
            _packId = pack.Id;
            _packBytes = pack.Bytes.ToArray();
        }

        _view = new PackView(_keys, _packId, _packBytes);
        _entries = [.. _view.ReadEntries()];
        _destination = new byte[BlobSize];
        Console.WriteLine($"// {Data}: pack {_packBytes.Length} bytes, {_entries.Length} entries");
    }

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    /// <summary>Decodes every blob of the pack (decrypt, decompress, verify id). Returns total plaintext bytes.</summary>
    [Benchmark]
    [BytesPerOperation((long)BlobCount * BlobSize)]
    public long Decode()
    {
        var view = _view!;
        long total = 0;
        foreach (var entry in _entries)
        {
            total += view.Decode(entry, _destination);
        }

        return total;
    }

    /// <summary>Opens the pack (whole-pack SHA-256 check) and decrypts its trailer.</summary>
    [Benchmark]
    [BytesPerOperation((long)BlobCount * BlobSize)]
    public int OpenAndReadEntries() => new PackView(_keys!, _packId, _packBytes).ReadEntries().Count;
}

/// <summary>Chunk ids: HMAC-SHA-256 over 1 MiB, with plain SHA-256 as a reference point.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[Config(typeof(BenchConfig))]
public class ChunkIdBenchmarks
{
    private const int Size = TestData.MiB;
    private byte[] _data = [];
    private RepositoryKeys? _keys;
    private readonly byte[] _digest = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        _data = TestData.Random(Size, seed: 4);
        _keys = RepositoryKeys.FromMasterKey(TestData.MasterKey());
    }

    [GlobalCleanup]
    public void Cleanup() => _keys?.Dispose();

    [Benchmark]
    [BytesPerOperation(Size)]
    public ChunkId ComputeId() => _keys!.ComputeId(_data);

    [Benchmark(Baseline = true)]
    [BytesPerOperation(Size)]
    public int Sha256Reference() => SHA256.HashData(_data, _digest);
}
