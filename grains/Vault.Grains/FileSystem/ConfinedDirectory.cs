// A directory tree that nothing escapes: every operation below it walks the path one component
// at a time from an open descriptor of its top, with O_NOFOLLOW, and acts on the last directory
// by name (mkdirat, openat, symlinkat, unlinkat, fstatat). A symlink anywhere below the top — one
// restored from a snapshot, or one swapped in by someone else while a restore runs — stops the
// operation with an error instead of being followed. Nothing is cached but the top descriptor,
// so a directory replaced after it was created is seen as replaced.
//
// The top itself is reached the same way from the allowed root that contains it (the root is the
// operator's configured path, so symlinks above it are trusted); without allowed roots, from the
// deepest ancestor that already exists.
using Microsoft.Win32.SafeHandles;

namespace Vault.Grains.FileSystem;

/// <summary>The device and inode of a file created by Vault: a later open must find the same one.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);

public sealed class ConfinedDirectory : IDisposable
{
    private const uint DirectoryMode = 0x1FF; // 0777, less the umask
    private const uint FileMode = 0x1B6; // 0666, less the umask
    private readonly SafeFileHandle _top;

    private ConfinedDirectory(string path, SafeFileHandle top)
    {
        Path = path;
        _top = top;
    }

    /// <summary>The absolute path of the top directory; every path passed in is at or below it.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="target"/> (an absolute, normalized path), creating it and its missing
    /// parents below the root, and refusing a symlink or non-directory anywhere between the root and it.
    /// </summary>
    public static ConfinedDirectory Create(string target, IReadOnlyList<string> allowedRoots)
    {
        var root = allowedRoots.Where(r => IsAtOrBelow(target, r)).OrderByDescending(r => r.Length).FirstOrDefault();
        if (root is null)
        {
            if (allowedRoots.Count > 0)
            {
                throw new UnauthorizedAccessException($"{target} is outside the allowed roots ({string.Join(", ", allowedRoots)})");
            }

            root = DeepestExistingAncestor(target);
        }
        else
        {
            Directory.CreateDirectory(root);
        }

        var handle = Native.OpenDirectory(root);
        try
        {
            var rest = target.Length == root.Length ? [] : target[(root == "/" ? 1 : root.Length + 1)..].Split('/');
            var walked = root;
            foreach (var name in rest)
            {
                walked = Join(walked, name);
                Native.TryMakeDirectory(handle, name, DirectoryMode, walked);
                var next = OpenChild(handle, name, walked);
                handle.Dispose();
                handle = next;
            }

            return new ConfinedDirectory(target, handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>lstat of a path below the top (never follows a symlink on the way); null when missing.</summary>
    public FileStat? TryStat(string path)
    {
        if (path == Path)
        {
            return Native.Stat(_top, Path);
        }

        using var parent = OpenParent(path, out var name);
        return Native.TryStatAt(parent, name, path);
    }

    /// <summary>Creates a directory (or accepts an existing one; a symlink or file there is an error).</summary>
    public void CreateDirectory(string path)
    {
        using var parent = OpenParent(path, out var name);
        if (!Native.TryMakeDirectory(parent, name, DirectoryMode, path) && Native.TryStatAt(parent, name, path) is not { Kind: FileKind.Directory })
        {
            throw new IOException($"mkdir {path}: exists and is not a directory");
        }
    }

    /// <summary>Creates a new, empty file (O_EXCL: never an existing file, never through a symlink).</summary>
    public SafeFileHandle CreateFile(string path, out FileIdentity identity)
    {
        using var parent = OpenParent(path, out var name);
        var handle = Native.CreateFileNoFollow(parent, name, FileMode, path);
        var stat = Native.Stat(handle, path);
        identity = new FileIdentity(stat.Device, stat.Inode);
        return handle;
    }

    /// <summary>Opens a file this restore created, for writing; refuses anything that is not that same file now.</summary>
    public SafeFileHandle OpenFile(string path, FileIdentity identity)
    {
        using var parent = OpenParent(path, out var name);
        var handle = Native.OpenWriteNoFollow(parent, name, path);
        var stat = Native.Stat(handle, path);
        if (stat.Kind != FileKind.File || stat.Device != identity.Device || stat.Inode != identity.Inode)
        {
            handle.Dispose();
            throw new IOException($"open {path}: replaced by another {stat.Kind.ToString().ToLowerInvariant()} (inode {stat.Inode}) since it was created (inode {identity.Inode})");
        }

        return handle;
    }

    public void CreateSymlink(string path, string linkTarget)
    {
        using var parent = OpenParent(path, out var name);
        Native.MakeSymlink(parent, name, linkTarget, path);
    }

    /// <summary>Removes a file or symlink (the link itself); false when nothing was there.</summary>
    public bool Delete(string path)
    {
        using var parent = OpenParent(path, out var name);
        return Native.TryUnlink(parent, name, path);
    }

    /// <summary>Applies owner (when given), mode and times through a descriptor of the entry itself.</summary>
    public void SetMetadata(string path, bool symlink, uint? uid, uint? gid, uint mode, long mtimeNs)
    {
        if (path == Path)
        {
            Native.SetMetadata(_top, uid, gid, mode, mtimeNs, path);
            return;
        }

        using var parent = OpenParent(path, out var name);
        if (symlink)
        {
            Native.SetSymlinkMetadata(parent, name, uid, gid, mtimeNs, path);
            return;
        }

        using var entry = Native.OpenForMetadataNoFollow(parent, name, path);
        Native.SetMetadata(entry, uid, gid, mode, mtimeNs, path);
    }

    public void Dispose() => _top.Dispose();

    /// <summary>Walks to the directory holding <paramref name="path"/> without following any symlink.</summary>
    private SafeFileHandle OpenParent(string path, out string name)
    {
        if (!IsAtOrBelow(path, Path) || path.Length == Path.Length)
        {
            throw new ArgumentException($"{path} is not below {Path}", nameof(path));
        }

        var parts = path[(Path == "/" ? 1 : Path.Length + 1)..].Split('/');
        foreach (var part in parts)
        {
            if (part is "" or "." or "..")
            {
                throw new ArgumentException($"{path} has an empty, '.' or '..' component", nameof(path));
            }
        }

        name = parts[^1];
        var handle = Native.OpenDirectoryNoFollow(_top, ".", Path);
        var walked = Path;
        try
        {
            for (var i = 0; i < parts.Length - 1; i++)
            {
                walked = Join(walked, parts[i]);
                var next = OpenChild(handle, parts[i], walked);
                handle.Dispose();
                handle = next;
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenChild(SafeFileHandle dir, string name, string path)
    {
        try
        {
            return Native.OpenDirectoryNoFollow(dir, name, path);
        }
        catch (IOException e) when (e.HResult is Native.ELOOP or Native.ENOTDIR)
        {
            var kind = Native.TryStatAt(dir, name, path)?.Kind.ToString().ToLowerInvariant() ?? "missing entry";
            throw new IOException($"{path} is a {kind}, not a directory: not followed", Native.ELOOP);
        }
    }

    private static string DeepestExistingAncestor(string path)
    {
        var at = path;
        while (at != "/" && Native.TryStat(at) is null)
        {
            at = System.IO.Path.GetDirectoryName(at) ?? "/";
        }

        // The final component is walked without following, like every one after it.
        return at == path && at != "/" ? System.IO.Path.GetDirectoryName(at) ?? "/" : at;
    }

    private static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    private static bool IsAtOrBelow(string path, string root) =>
        root == "/" || path == root || (path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/');
}
