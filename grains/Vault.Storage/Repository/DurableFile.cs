using System.Runtime.InteropServices;

namespace Vault.Storage;

/// <summary>
/// Crash-safe file creation: temp file in the same directory, fsync, atomic rename, fsync of the directory.
/// Everything it creates is private to the node's user: files 0600 and directories 0700 unless a mode is given.
/// </summary>
internal static partial class DurableFile
{
    public const string TempMarker = ".tmp-";

    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string TempPath(string path) => path + TempMarker + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 6);

    public static bool IsTempName(string fileName) => fileName.Contains(TempMarker, StringComparison.Ordinal);

    /// <summary>Creates the file with the given content, or fails (IOException) if it exists and <paramref name="overwrite"/> is false.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, UnixFileMode? mode, bool overwrite)
    {
        var tmp = TempPath(path);
        try
        {
            using (var stream = CreateNew(tmp, bytes.Length, mode))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }

        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var tmp = TempPath(path);
        try
        {
            using (var stream = CreateNew(tmp, bytes.Length, mode: null))
            {
                await RandomAccess.WriteAsync(stream.SafeFileHandle, bytes, 0, ct).ConfigureAwait(false);
                RandomAccess.FlushToDisk(stream.SafeFileHandle);
            }

            // Content-addressed: a concurrent writer of the same name wrote the same bytes.
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }

        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// The node's data directory: created 0700, or tightened to 0700 when it exists with access for group or
    /// others (what it holds is the node's alone: key files, audit, grain state, packs).
    /// </summary>
    public static void SecureRoot(string path)
    {
        CreateDirectory(path);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnlyDirectory) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnlyDirectory);
        }
    }

    /// <summary>Creates a directory and any missing parents (0700 unless a mode is given), making each new entry durable in its parent.</summary>
    public static void CreateDirectory(string path, UnixFileMode? mode = null)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            return;
        }

        var parent = Path.GetDirectoryName(full);
        if (parent is not null)
        {
            CreateDirectory(parent);
        }

        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full, mode ?? OwnerOnlyDirectory);
        }
        else
        {
            Directory.CreateDirectory(full);
        }

        if (parent is not null)
        {
            SyncDirectory(parent);
        }
    }

    /// <summary>
    /// fsync of a directory, so a rename or a new entry in it survives a power loss. Windows has no
    /// equivalent (and NTFS journals metadata), so it is skipped there.
    /// </summary>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open directory {path} to sync it (errno {errno}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EINVAL: the file system cannot sync directories; nothing more can be done.
                if (errno != 22)
                {
                    throw new IOException($"Cannot sync directory {path} (errno {errno}).");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A new unbuffered file; on Unix created with <paramref name="mode"/> (never wider, not even briefly).</summary>
    private static FileStream CreateNew(string path, long size, UnixFileMode? mode)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            PreallocationSize = size,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode ?? OwnerOnlyFile;
        }

        return new FileStream(path, options);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
