using System.Buffers;

namespace Vault.Storage;

/// <summary>A finished pack: its id, its bytes (pooled until disposed), and its entries.</summary>
public sealed class SealedPack : IDisposable
{
    private readonly PackEntry[] _entries;
    private readonly int _length;
    private readonly ArrayPool<byte> _pool;
    private byte[]? _buffer;

    internal SealedPack(PackId id, byte[] buffer, int length, PackEntry[] entries, ArrayPool<byte> pool)
    {
        _pool = pool;
        Id = id;
        _buffer = buffer;
        _length = length;
        _entries = entries;
    }

    public PackId Id { get; }

    /// <summary>The pack file. Valid until <see cref="Dispose"/> (the buffer goes back to the pool).</summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            var buffer = _buffer;
            ObjectDisposedException.ThrowIf(buffer is null, this);
            return buffer.AsMemory(0, _length);
        }
    }

    public IReadOnlyList<PackEntry> Entries => _entries;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            _pool.Return(buffer);
        }
    }
}
