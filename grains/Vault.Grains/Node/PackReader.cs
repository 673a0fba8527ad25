using System.Buffers;
using System.Collections.Concurrent;
using Vault.Grains.Replication;
using Vault.Storage;

namespace Vault.Grains.Node;

/// <summary>
/// Reads this node's packs. Whole-pack reads verify the pack hash (restore); single-blob reads
/// fetch the pack header once (cached) and the blob's byte range, verified by its GCM tag and
/// chunk id (trees, listings). A pack this node does not hold is read from a replica (cluster mode).
/// </summary>
public sealed class PackReader(VaultNode node, PackReplicator replicas)
{
    private const int MaxCachedHeaders = 4096;
    private readonly ConcurrentDictionary<PackId, byte[]> _headers = new();

    /// <summary>Reads a whole pack into a pooled buffer and verifies its hash; dispose the lease to return the buffer.</summary>
    public async Task<PackLease> ReadPackAsync(PackId id, CancellationToken ct)
    {
        if (node.Packs.Exists(id) || !replicas.CanFetch)
        {
            try
            {
                return await ReadLocalAsync(id, ct);
            }
            catch (CorruptDataException) when (replicas.CanFetch)
            {
                // A damaged or vanished local copy: a replica may be intact (PackView verifies it too).
            }
        }

        try
        {
            return new PackLease(new PackView(node.Keys, id, await replicas.FetchAsync(id, ct)), null);
        }
        catch (CorruptDataException) when (node.Packs.InTrash(id))
        {
            // Trashed by GC after the reader looked it up: the local trash still has it.
            return await ReadLocalAsync(id, ct);
        }
    }

    private async Task<PackLease> ReadLocalAsync(PackId id, CancellationToken ct)
    {
        var copy = await ReadLocalCopyAsync(id, ct);
        try
        {
            return new PackLease(new PackView(node.Keys, id, copy.Memory), copy);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>This node's copy of a pack, unverified, in a pooled buffer (dispose it to return the buffer).</summary>
    public async Task<PooledBytes> ReadLocalCopyAsync(PackId id, CancellationToken ct)
    {
        var length = node.Packs.Length(id);
        if (length > PackWriter.MaxTargetSize * 2L)
        {
            throw new CorruptDataException($"pack {id} is {length} bytes, larger than any pack", id);
        }

        var buffer = Buffers.Pool.Rent((int)length);
        try
        {
            var read = await node.Packs.ReadRangeAsync(id, 0, buffer.AsMemory(0, (int)length), ct);
            if (read != length)
            {
                throw new CorruptDataException($"pack {id} shrank from {length} to {read} bytes while being read", id);
            }

            return new PooledBytes(buffer, (int)length);
        }
        catch
        {
            Buffers.Pool.Return(buffer);
            throw;
        }
    }

    /// <summary>
    /// Verifies this node's copy of a pack completely (hash, trailer, every blob) and returns its length;
    /// null when the pack is not here (never was, or deleted meanwhile). Throws <see cref="CorruptDataException"/>
    /// naming the pack when the copy is damaged.
    /// </summary>
    public async Task<long?> VerifyLocalCopyAsync(PackId id, CancellationToken ct)
    {
        PooledBytes copy;
        try
        {
            copy = await ReadLocalCopyAsync(id, ct);
        }
        catch (CorruptDataException) when (!node.Packs.Exists(id))
        {
            return null;
        }

        using (copy)
        {
            PackVerifier.Verify(node.Keys, id, copy.Memory);
            return copy.Memory.Length;
        }
    }

    /// <summary>Returns the chunk's plaintext, verified.</summary>
    public async Task<byte[]> ReadBlobAsync(ChunkId id, ChunkLocation location, CancellationToken ct)
    {
        var header = await HeaderAsync(location.Pack, ct);
        var blob = Buffers.Pool.Rent((int)location.Length);
        try
        {
            var read = await ReadRangeAsync(location.Pack, location.Offset, blob.AsMemory(0, (int)location.Length), ct);
            if (read != location.Length)
            {
                throw new CorruptDataException(
                    $"chunk {id} in pack {location.Pack}: pack is truncated (read {read} of {location.Length} bytes at offset {location.Offset})",
                    location.Pack,
                    id);
            }

            var plain = new byte[location.RawLength];
            BlobDecoder.Decode(node.Keys, location.Pack, header, location.ToEntry(id), blob.AsSpan(0, (int)location.Length), plain);
            return plain;
        }
        finally
        {
            Buffers.Pool.Return(blob);
        }
    }

    private async Task<int> ReadRangeAsync(PackId pack, long offset, Memory<byte> destination, CancellationToken ct)
    {
        if (!replicas.CanFetch || node.Packs.Exists(pack))
        {
            try
            {
                return await node.Packs.ReadRangeAsync(pack, offset, destination, ct);
            }
            catch (CorruptDataException) when (replicas.CanFetch)
            {
                // Dropped by repair between the check and the read: fall through to a replica.
            }
        }

        var bytes = await replicas.FetchRangeAsync(pack, offset, destination.Length, ct);
        bytes.CopyTo(destination);
        return bytes.Length;
    }

    /// <summary>Drops what is cached about a pack (its header), after its local copy was replaced.</summary>
    public void Forget(PackId pack) => _headers.TryRemove(pack, out _);

    private async Task<byte[]> HeaderAsync(PackId pack, CancellationToken ct)
    {
        if (_headers.TryGetValue(pack, out var cached))
        {
            return cached;
        }

        var header = new byte[BlobDecoder.HeaderSize];
        var read = await ReadRangeAsync(pack, 0, header, ct);
        if (read != header.Length)
        {
            throw new CorruptDataException($"pack {pack} is truncated: no complete header", pack);
        }

        if (_headers.Count >= MaxCachedHeaders)
        {
            _headers.Clear();
        }

        _headers[pack] = header;
        return header;
    }
}

/// <summary>A verified pack, possibly held in a pooled buffer.</summary>
public sealed class PackLease(PackView view, PooledBytes? pooled) : IDisposable
{
    public PackView View { get; } = view;

    public void Dispose()
    {
        View.Dispose();
        pooled?.Dispose();
    }
}

/// <summary>Bytes in a buffer of <see cref="Buffers.Pool"/>; disposing returns the buffer (once).</summary>
public sealed class PooledBytes(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlyMemory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBytes))).AsMemory(0, length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            Buffers.Pool.Return(b);
        }
    }
}
