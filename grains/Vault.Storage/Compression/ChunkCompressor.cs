// Per-chunk compression.
//
// Glossary
//   raw        the payload is the plaintext itself (CompressionMode.None).
//   zstd       the payload is one zstd frame of the plaintext (CompressionMode.Zstd).
//   sample     the first 64 KiB of a chunk; if its order-0 entropy exceeds 7.2 bits/byte the chunk
//              is taken as incompressible (already compressed or encrypted) and stored raw without
//              trying zstd.
//
// Invariants: a Zstd payload is always strictly shorter than the plaintext (otherwise the chunk
// is stored raw), so a payload never exceeds the plaintext length. The mode is recorded in the
// pack entry and authenticated with the blob.
//
// Crash behaviour: pure computation, no state beyond the reusable zstd contexts.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ZstdSharp;

namespace Vault.Storage;

/// <summary>Per-chunk zstd. Not thread-safe: one per worker. Allocation-free.</summary>
public sealed class ChunkCompressor(int level) : IDisposable
{
    public const int SampleSize = 64 * 1024;
    public const double IncompressibleBitsPerByte = 7.2;

    private Compressor? _compressor;

    public int Level { get; } = level;

    /// <summary>The destination size that always suffices for <see cref="Compress"/>.</summary>
    public static int MaxCompressedSize(int rawLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rawLength);
        return Math.Max(rawLength, Compressor.GetCompressBound(rawLength));
    }

    /// <summary>Compresses, or copies raw when compression does not shrink it (or a cheap sample says it will not).</summary>
    public (CompressionMode Mode, int Length) Compress(ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        if (destination.Length < plain.Length)
        {
            throw new ArgumentException(
                $"The destination ({destination.Length} bytes) is shorter than the plaintext ({plain.Length} bytes); use MaxCompressedSize.",
                nameof(destination));
        }

        if (plain.Length > 0 && !LooksIncompressible(plain[..Math.Min(plain.Length, SampleSize)]))
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _compressor ??= new Compressor(Level);
            // Only a strictly smaller output is useful: cap the destination so zstd gives up early.
            var limit = Math.Min(destination.Length, plain.Length - 1);
            if (limit > 0 && _compressor.TryWrap(plain, destination[..limit], out var written) && written < plain.Length)
            {
                return (CompressionMode.Zstd, written);
            }
        }

        plain.CopyTo(destination);
        return (CompressionMode.None, plain.Length);
    }

    private bool _disposed;

    /// <summary>Order-0 entropy of the sample above <see cref="IncompressibleBitsPerByte"/>.</summary>
    internal static bool LooksIncompressible(ReadOnlySpan<byte> sample) => Entropy(sample) > IncompressibleBitsPerByte;

    [SkipLocalsInit]
    internal static double Entropy(ReadOnlySpan<byte> sample)
    {
        if (sample.IsEmpty)
        {
            return 0;
        }

        // Four interleaved histograms avoid store-to-load stalls on runs of equal bytes.
        Span<int> counts = stackalloc int[4 * 256];
        counts.Clear();
        ref var c = ref MemoryMarshal.GetReference(counts);
        ref var p = ref MemoryMarshal.GetReference(sample);
        var n = sample.Length;
        var i = 0;
        for (; i + 4 <= n; i += 4)
        {
            Unsafe.Add(ref c, Unsafe.Add(ref p, i))++;
            Unsafe.Add(ref c, 256 + Unsafe.Add(ref p, i + 1))++;
            Unsafe.Add(ref c, 512 + Unsafe.Add(ref p, i + 2))++;
            Unsafe.Add(ref c, 768 + Unsafe.Add(ref p, i + 3))++;
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref c, Unsafe.Add(ref p, i))++;
        }

        double entropy = 0;
        double total = n;
        for (var b = 0; b < 256; b++)
        {
            var count = counts[b] + counts[256 + b] + counts[512 + b] + counts[768 + b];
            if (count != 0)
            {
                var q = count / total;
                entropy -= q * Math.Log2(q);
            }
        }

        return entropy;
    }

    public void Dispose()
    {
        _disposed = true;
        _compressor?.Dispose();
        _compressor = null;
    }
}
