using System.Buffers;

namespace Vault.Storage;

/// <summary>
/// Verifies a whole pack the way a reader would use it, without keeping anything: the SHA-256 of
/// its bytes against its id, the trailer (GCM tag, entries tiling the blob area), then every blob
/// (GCM tag, decompression, chunk id of the plaintext). Shared by `vault check --read-data` and
/// the per-node scrubber.
/// </summary>
public static class PackVerifier
{
    /// <summary>Returns the number of blobs; throws <see cref="CorruptDataException"/> naming the pack (and chunk) at the first problem.</summary>
    public static int Verify(RepositoryKeys keys, PackId id, ReadOnlyMemory<byte> bytes)
    {
        using var view = new PackView(keys, id, bytes);
        var entries = view.ReadEntries();
        var largest = 0;
        foreach (var e in entries)
        {
            largest = Math.Max(largest, (int)e.RawLength);
        }

        // One plaintext buffer for the whole pack: memory is the pack plus its largest chunk.
        var plain = ArrayPool<byte>.Shared.Rent(Math.Max(1, largest));
        try
        {
            foreach (var e in entries)
            {
                view.Decode(e, plain);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
        }

        return entries.Count;
    }
}
