// Local pack storage: Root/ab/<64 hex digits of the PackId>.
// Writes go through a temp file (<name>.tmp-<random>) in the same directory, fsync, atomic rename
// and a directory fsync, so a crash leaves either the complete pack or no pack, plus possibly a
// temp file that Enumerate ignores and DeleteStaleTempFiles removes. Packs are content-addressed
// and immutable: writing an existing id is a no-op. The store does not verify contents (PackView does).
// Deletion is two-phase: MoveToTrash renames a pack into Root/trash/ (stamped with the time it was
// trashed), reads still find it there, and only EmptyTrash removes files for good, after a delay.
using System.Globalization;

namespace Vault.Storage;

/// <summary>A node's pack files under one directory: packs/ab/abcdef…; atomic, durable writes.</summary>
public sealed class LocalPackStore
{
    public LocalPackStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The file of a pack: Root/ab/abcdef… (first two hex digits, then the full id).</summary>
    public string PathOf(PackId id)
    {
        var hex = id.ToString();
        return Path.Combine(Root, hex[..2], hex);
    }

    /// <summary>Temp file, write, fsync, rename, fsync directory. Idempotent.</summary>
    public async Task WriteAsync(PackId id, ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        var path = PathOf(id);
        if (File.Exists(path))
        {
            return;
        }

        DurableFile.CreateDirectory(Path.GetDirectoryName(path)!);
        await DurableFile.WriteAsync(path, bytes, ct).ConfigureAwait(false);
    }

    public bool Exists(PackId id) => File.Exists(PathOf(id));

    /// <summary>Where trashed packs wait for <see cref="EmptyTrash"/>: Root/trash/&lt;id&gt;.</summary>
    public string TrashRoot => Path.Combine(Root, "trash");

    public bool InTrash(PackId id) => File.Exists(TrashPathOf(id));

    /// <summary>The pack's size; a trashed pack still answers.</summary>
    public long Length(PackId id)
    {
        var info = new FileInfo(PathOf(id));
        if (!info.Exists)
        {
            info = new FileInfo(TrashPathOf(id));
        }

        return info.Exists ? info.Length : throw Missing(id);
    }

    /// <summary>When the pack file was written (UTC); for GC's "too new to judge" rule.</summary>
    public DateTime WrittenUtc(PackId id) => File.GetLastWriteTimeUtc(PathOf(id));

    /// <summary>Moves a pack into the trash (reads still find it); returns its size, or -1 when the store did not hold it.</summary>
    public long MoveToTrash(PackId id)
    {
        var path = PathOf(id);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return -1;
        }

        var length = info.Length;
        DurableFile.CreateDirectory(TrashRoot);
        var target = TrashPathOf(id);
        try
        {
            File.Move(path, target, overwrite: true);
        }
        catch (FileNotFoundException)
        {
            return -1;
        }

        File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
        DurableFile.SyncDirectory(TrashRoot);
        DurableFile.SyncDirectory(Path.GetDirectoryName(path)!);
        return length;
    }

    /// <summary>Puts a trashed pack back in place; false when the trash does not hold it.</summary>
    public bool Untrash(PackId id)
    {
        var source = TrashPathOf(id);
        if (!File.Exists(source))
        {
            return false;
        }

        var path = PathOf(id);
        DurableFile.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(source, path, overwrite: true);
        DurableFile.SyncDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Every pack in the trash.</summary>
    public IEnumerable<PackId> EnumerateTrash()
    {
        if (!Directory.Exists(TrashRoot))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(TrashRoot))
        {
            var name = Path.GetFileName(file);
            if (PackId.TryParse(name, out var id) && id.ToString() == name)
            {
                yield return id;
            }
        }
    }

    /// <summary>Deletes packs trashed at least <paramref name="olderThan"/> ago; returns how many and their bytes.</summary>
    public (int Packs, long Bytes) EmptyTrash(TimeSpan olderThan)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var (packs, bytes) = (0, 0L);
        foreach (var id in EnumerateTrash().ToList())
        {
            var info = new FileInfo(TrashPathOf(id));
            if (info.Exists && info.LastWriteTimeUtc <= cutoff)
            {
                var length = info.Length;
                DurableFile.TryDelete(info.FullName);
                packs++;
                bytes += length;
            }
        }

        return (packs, bytes);
    }

    private string TrashPathOf(PackId id) => Path.Combine(TrashRoot, id.ToString());

    /// <summary>Reads a whole pack into a new buffer. Throws <see cref="CorruptDataException"/> if missing.</summary>
    public async Task<byte[]> ReadAsync(PackId id, CancellationToken ct = default)
    {
        using var handle = OpenRead(id);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new CorruptDataException($"pack {id} in {Root} is {length} bytes, larger than any pack.", id);
        }

        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        var read = await ReadFullyAsync(handle, 0, bytes, ct).ConfigureAwait(false);
        if (read != length)
        {
            throw new CorruptDataException($"pack {id} in {Root} shrank from {length} to {read} bytes while being read.", id);
        }

        return bytes;
    }

    /// <summary>Reads up to destination.Length bytes at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    public async Task<int> ReadRangeAsync(PackId id, long offset, Memory<byte> destination, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        using var handle = OpenRead(id);
        return await ReadFullyAsync(handle, offset, destination, ct).ConfigureAwait(false);
    }

    /// <summary>Every pack in the store (temp files of unfinished writes are skipped).</summary>
    public IEnumerable<PackId> Enumerate()
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var prefix = Path.GetFileName(dir);
            if (prefix.Length != 2 || !byte.TryParse(prefix, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            foreach (var id in PacksIn(dir, prefix))
            {
                yield return id;
            }
        }
    }

    /// <summary>
    /// The packs whose id starts with the byte <paramref name="prefix"/> (one directory), in id order.
    /// Walking the prefixes 0–255 visits the whole store in id order, holding one directory's listing at a time.
    /// </summary>
    public IReadOnlyList<PackId> ListPrefix(int prefix)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefix);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix, 255);
        var name = prefix.ToString("x2", CultureInfo.InvariantCulture);
        var dir = Path.Combine(Root, name);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        try
        {
            var ids = PacksIn(dir, name).ToList();
            // Lowercase hex of big-endian bytes: ordinal string order is id order.
            ids.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
            return ids;
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    /// <summary>
    /// Replaces the file of a pack held here (a damaged copy) with <paramref name="bytes"/>, atomically:
    /// temp file, fsync, rename over the old file, directory fsync. The caller must have checked that the
    /// bytes hash to <paramref name="id"/>. Returns false, writing nothing, when the pack is not here (any more).
    /// </summary>
    public async Task<bool> ReplaceAsync(PackId id, ReadOnlyMemory<byte> bytes, CancellationToken ct = default)
    {
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            return false;
        }

        await DurableFile.WriteAsync(path, bytes, ct).ConfigureAwait(false);
        return true;
    }

    private static IEnumerable<PackId> PacksIn(string dir, string prefix)
    {
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(file);
            if (name.Length == Hash256.Size * 2 && name.StartsWith(prefix, StringComparison.Ordinal) && PackId.TryParse(name, out var id)
                && id.ToString() == name)
            {
                yield return id;
            }
        }
    }

    public void Delete(PackId id)
    {
        var path = PathOf(id);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Deletes temp files left by writes interrupted by a crash; returns how many. Only files older than <paramref name="olderThan"/> (a live write may own a newer one).</summary>
    public int DeleteStaleTempFiles(TimeSpan olderThan)
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(Root, "*" + DurableFile.TempMarker + "*", SearchOption.AllDirectories))
        {
            if (File.GetLastWriteTimeUtc(file) < cutoff)
            {
                DurableFile.TryDelete(file);
                deleted++;
            }
        }

        return deleted;
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenRead(PackId id)
    {
        try
        {
            return File.OpenHandle(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Trashed by GC while a reader still held its location: the trash keeps it readable.
            try
            {
                return File.OpenHandle(TrashPathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            }
            catch (Exception inner) when (inner is FileNotFoundException or DirectoryNotFoundException)
            {
                throw Missing(id, e);
            }
        }
    }

    private CorruptDataException Missing(PackId id, Exception? inner = null) =>
        new($"pack {id} is missing from {Root}.", id, inner: inner);

    private static async Task<int> ReadFullyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, Memory<byte> destination, CancellationToken ct)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = await RandomAccess.ReadAsync(handle, destination[total..], offset + total, ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
