using ZstdSharp;

namespace Vault.Storage;

/// <summary>Reverses <see cref="ChunkCompressor"/> into a caller buffer. Not thread-safe: one per worker (or use <see cref="ForCurrentThread"/>).</summary>
public sealed class ChunkDecompressor : IDisposable
{
    [ThreadStatic]
    private static ChunkDecompressor? t_current;

    private Decompressor? _decompressor;

    /// <summary>A decompressor owned by the calling thread (allocated once per thread).</summary>
    public static ChunkDecompressor ForCurrentThread => t_current ??= new ChunkDecompressor();

    /// <summary>
    /// Writes the plaintext of <paramref name="payload"/> to <paramref name="destination"/> and returns its length;
    /// <see cref="CompressionMode.None"/> copies. Throws <see cref="InvalidDataException"/> when a zstd frame is invalid
    /// or does not fit.
    /// </summary>
    public int Decompress(CompressionMode mode, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        switch (mode)
        {
            case CompressionMode.None:
                if (payload.Length > destination.Length)
                {
                    throw new InvalidDataException($"the {payload.Length}-byte payload does not fit the {destination.Length}-byte destination");
                }

                payload.CopyTo(destination);
                return payload.Length;
            case CompressionMode.Zstd:
                _decompressor ??= new Decompressor();
                try
                {
                    if (!_decompressor.TryUnwrap(payload, destination, out var written))
                    {
                        throw new InvalidDataException($"the zstd frame decompresses to more than {destination.Length} bytes");
                    }

                    return written;
                }
                catch (ZstdException e)
                {
                    throw new InvalidDataException($"invalid zstd frame ({e.Message})", e);
                }

            default:
                throw new InvalidDataException($"unknown compression mode {(byte)mode}");
        }
    }

    public void Dispose()
    {
        _decompressor?.Dispose();
        _decompressor = null;
    }
}
