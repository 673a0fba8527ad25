// Content-defined chunking (FastCDC with normalized chunking and cut-point skipping).
//
// Glossary
//   gear hash   h = (h << 1) + gear[byte]; after 64 bytes the oldest byte has been shifted out, so
//               the top bits of h depend only on the last 64 bytes (a rolling hash with no "remove").
//   gear table  256 pseudo-random ulongs derived from the master key (HKDF info "vault/gear/v1"):
//               cut points depend on the key, so chunk sizes reveal nothing about content to
//               someone without it.
//   mask S / L  cut when (h & mask) == 0. Mask S (log2(Avg) + 2 top bits) is used from MinSize to
//               AvgSize, mask L (log2(Avg) - 2 top bits) from AvgSize to MaxSize: normalization
//               level 2 pulls chunk sizes towards AvgSize.
//
// Invariants
//   * MinSize ≤ chunk length ≤ MaxSize for every chunk except the last one of a stream.
//   * The boundary depends only on the bytes of the chunk (relative to its start), so the same
//     stream always gives the same chunks, and an edit only moves boundaries near it.
//   * No hashing before MinSize (no cut can be there): the first MinSize bytes are skipped.
//
// Crash behaviour: pure computation, no state.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Vault.Storage;

/// <summary>FastCDC with normalized chunking and cut-point skipping. Stateless and thread-safe.</summary>
public sealed class Chunker
{
    public const int GearTableLength = 256;

    private readonly ulong[] _gear;
    private readonly int _minSize;
    private readonly int _avgSize;
    private readonly int _maxSize;
    private readonly ulong _maskS;
    private readonly ulong _maskL;

    public Chunker(ChunkerOptions options, ReadOnlySpan<ulong> gearTable)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (gearTable.Length != GearTableLength)
        {
            throw new ArgumentException($"The gear table needs {GearTableLength} entries, got {gearTable.Length}.", nameof(gearTable));
        }

        Options = options;
        _gear = gearTable.ToArray();
        _minSize = options.MinSize;
        _avgSize = options.AvgSize;
        _maxSize = options.MaxSize;
        var bits = BitOperations.Log2((uint)options.AvgSize);
        _maskS = TopBits(bits + 2);
        _maskL = TopBits(bits - 2);
    }

    public ChunkerOptions Options { get; }

    /// <summary>
    /// <paramref name="data"/> starts at a chunk boundary and holds min(remaining, MaxSize) bytes;
    /// <paramref name="final"/> says they are all that remains. Returns the next chunk's length (≥ 1 when data is non-empty).
    /// </summary>
    public int NextBoundary(ReadOnlySpan<byte> data, bool final)
    {
        var n = data.Length;
        if (n >= _maxSize)
        {
            n = _maxSize;
        }
        else if (!final)
        {
            throw new ArgumentException(
                $"The chunker needs MaxSize ({Sizes.Format(_maxSize)}) bytes unless they are the last of the stream; got {n} bytes with final = false.",
                nameof(data));
        }

        if (n <= _minSize)
        {
            return n;
        }

        return Scan(ref MemoryMarshal.GetReference(data), n);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Scan(ref byte data, int n)
    {
        ref var gear = ref MemoryMarshal.GetArrayDataReference(_gear);
        var maskS = _maskS;
        var maskL = _maskL;
        var normal = n < _avgSize ? n : _avgSize;
        ulong h = 0;
        var i = _minSize;

        // Unrolled by two: the hash is one dependent LEA per byte, the rest overlaps.
        for (; i + 1 < normal; i += 2)
        {
            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i));
            if ((h & maskS) == 0)
            {
                return i + 1;
            }

            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i + 1));
            if ((h & maskS) == 0)
            {
                return i + 2;
            }
        }

        for (; i < normal; i++)
        {
            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i));
            if ((h & maskS) == 0)
            {
                return i + 1;
            }
        }

        for (; i + 1 < n; i += 2)
        {
            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i));
            if ((h & maskL) == 0)
            {
                return i + 1;
            }

            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i + 1));
            if ((h & maskL) == 0)
            {
                return i + 2;
            }
        }

        for (; i < n; i++)
        {
            h = h + h + Unsafe.Add(ref gear, Unsafe.Add(ref data, i));
            if ((h & maskL) == 0)
            {
                return i + 1;
            }
        }

        return n;
    }

    private static ulong TopBits(int count) => count <= 0 ? 0 : ulong.MaxValue << (64 - count);
}
