// Opening a file the walk has just lstat'ed, without trusting that it is still the same file: a
// symlink, FIFO or other file swapped in between the lstat and the open must not be read in its
// place (a backup running as root would otherwise capture any file a local user points it at).
// The open never follows a final symlink (O_NOFOLLOW) and never blocks on a FIFO (O_NONBLOCK);
// fstat of the descriptor must then show the same device, inode and type as the lstat.
using Microsoft.Win32.SafeHandles;

namespace Vault.Grains.FileSystem;

public static class SnapshotFileOpener
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading if it is still the regular file <paramref name="seen"/>
    /// describes; otherwise throws an IOException saying what it became (the caller skips it with a warning).
    /// </summary>
    public static SafeFileHandle OpenRead(string path, FileStat seen)
    {
        SafeFileHandle handle;
        try
        {
            handle = Native.OpenReadNoFollow(path);
        }
        catch (IOException e) when (e.HResult == Native.ELOOP)
        {
            throw new IOException("replaced by a symbolic link after it was listed; not followed, skipped", e);
        }

        var now = Native.Stat(handle, path);
        if (now.Kind != seen.Kind || now.Device != seen.Device || now.Inode != seen.Inode)
        {
            handle.Dispose();
            throw new IOException(
                $"replaced after it was listed (was a {Describe(seen)}, now a {Describe(now)}); skipped");
        }

        return handle;
    }

    private static string Describe(FileStat s) =>
        $"{(s.Kind == FileKind.Other ? "special file" : s.Kind.ToString().ToLowerInvariant())} with inode {s.Inode} on device {s.Device}";
}
