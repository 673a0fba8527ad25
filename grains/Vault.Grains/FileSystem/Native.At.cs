// The directory-relative ("at") POSIX calls that let Vault walk a path one component at a time
// without following symbolic links: open/openat with O_NOFOLLOW, mkdirat, symlinkat, unlinkat,
// fstatat, and the f-variants that change metadata through a descriptor already checked.
// A descriptor is owned by a SafeFileHandle, so it is closed exactly once. Linux only.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Vault.Grains.FileSystem;

public static partial class Native
{
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int ELOOP = 40;

    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int AtRemoveDir = 0x200;

    // O_DIRECTORY and O_NOFOLLOW differ between x86-64 and arm64.
    private static readonly int ODirectory = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
    private static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirAt(int dirfd, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkAt(string target, int dirfd, string path);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int dirfd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int FStatAt(int dirfd, string path, byte* buffer, int flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FChownAt(int dirfd, string path, uint owner, uint group, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static unsafe partial int FUtimens(int fd, long* times);

    /// <summary>Opens a directory without following a final symlink (relative to <paramref name="dir"/>, or absolute when null).</summary>
    public static SafeFileHandle OpenDirectoryNoFollow(SafeFileHandle? dir, string path, string pathForErrors) =>
        Open(dir, path, ORdOnly | ODirectory | ONoFollow | OCloExec, 0, "open directory", pathForErrors);

    /// <summary>Opens a directory, following symlinks (an operator-configured root).</summary>
    public static SafeFileHandle OpenDirectory(string path) =>
        Open(null, path, ORdOnly | ODirectory | OCloExec, 0, "open directory", path);

    /// <summary>Opens a file for reading without following a final symlink and without blocking on a FIFO.</summary>
    public static SafeFileHandle OpenReadNoFollow(string path) =>
        Open(null, path, ORdOnly | ONoFollow | ONonBlock | ONoCtty | OCloExec, 0, "open", path);

    /// <summary>Creates a new file (never an existing one, never through a symlink) for writing.</summary>
    public static SafeFileHandle CreateFileNoFollow(SafeFileHandle dir, string name, uint mode, string pathForErrors) =>
        Open(dir, name, OWrOnly | OCreat | OExcl | ONoFollow | ONoCtty | OCloExec, mode, "create", pathForErrors);

    /// <summary>Opens an existing file for writing without following a final symlink.</summary>
    public static SafeFileHandle OpenWriteNoFollow(SafeFileHandle dir, string name, string pathForErrors) =>
        Open(dir, name, OWrOnly | ONoFollow | ONonBlock | ONoCtty | OCloExec, 0, "open", pathForErrors);

    /// <summary>Opens anything but a symlink for reading its metadata and changing it through the descriptor.</summary>
    public static SafeFileHandle OpenForMetadataNoFollow(SafeFileHandle dir, string name, string pathForErrors) =>
        Open(dir, name, ORdOnly | ONoFollow | ONonBlock | ONoCtty | OCloExec, 0, "open", pathForErrors);

    /// <summary>mkdirat(2); false when something already exists under that name.</summary>
    public static bool TryMakeDirectory(SafeFileHandle dir, string name, uint mode, string pathForErrors)
    {
        if (With(dir, fd => MkdirAt(fd, name, mode)) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw Error("mkdir", pathForErrors, errno);
    }

    public static void MakeSymlink(SafeFileHandle dir, string name, string target, string pathForErrors)
    {
        if (With(dir, fd => SymlinkAt(target, fd, name)) != 0)
        {
            throw Error("symlink", pathForErrors, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>unlinkat(2) of a file or symlink (never follows it); false when nothing was there.</summary>
    public static bool TryUnlink(SafeFileHandle dir, string name, string pathForErrors)
    {
        if (With(dir, fd => UnlinkAt(fd, name, 0)) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENOENT ? false : throw Error("unlink", pathForErrors, errno);
    }

    /// <summary>Removes an empty directory.</summary>
    public static void RemoveDirectory(SafeFileHandle dir, string name, string pathForErrors)
    {
        if (With(dir, fd => UnlinkAt(fd, name, AtRemoveDir)) != 0)
        {
            throw Error("rmdir", pathForErrors, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>fstatat(2) without following a final symlink; null when nothing is there.</summary>
    public static unsafe FileStat? TryStatAt(SafeFileHandle dir, string name, string pathForErrors)
    {
        var buffer = stackalloc byte[256];
        var p = buffer;
        if (With(dir, fd => FStatAt(fd, name, p, AtSymlinkNoFollow)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT ? null : throw Error("lstat", pathForErrors, errno);
        }

        return Decode(buffer);
    }

    /// <summary>Owner, mode, then times, all through the descriptor (chown first: it clears set-id bits).</summary>
    public static unsafe void SetMetadata(SafeFileHandle file, uint? uid, uint? gid, uint mode, long mtimeNs, string pathForErrors)
    {
        if (uid is { } u && gid is { } g && With(file, fd => FChown(fd, u, g)) != 0)
        {
            throw Error("fchown", pathForErrors, Marshal.GetLastPInvokeError());
        }

        if (With(file, fd => FChmod(fd, mode & 0xFFF)) != 0)
        {
            throw Error("fchmod", pathForErrors, Marshal.GetLastPInvokeError());
        }

        var times = stackalloc long[4];
        Times(mtimeNs, times);
        var t = times;
        if (With(file, fd => FUtimens(fd, t)) != 0)
        {
            throw Error("futimens", pathForErrors, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Owner and times of a symlink itself, named relative to its directory.</summary>
    public static unsafe void SetSymlinkMetadata(SafeFileHandle dir, string name, uint? uid, uint? gid, long mtimeNs, string pathForErrors)
    {
        if (uid is { } u && gid is { } g && With(dir, fd => FChownAt(fd, name, u, g, AtSymlinkNoFollow)) != 0)
        {
            throw Error("lchown", pathForErrors, Marshal.GetLastPInvokeError());
        }

        var times = stackalloc long[4];
        Times(mtimeNs, times);
        var t = times;
        if (With(dir, fd => UtimensAt(fd, name, t, AtSymlinkNoFollow)) != 0)
        {
            throw Error("utimensat", pathForErrors, Marshal.GetLastPInvokeError());
        }
    }

    private static unsafe void Times(long mtimeNs, long* times)
    {
        var seconds = mtimeNs / 1_000_000_000;
        var nanos = mtimeNs % 1_000_000_000;
        if (nanos < 0)
        {
            seconds -= 1;
            nanos += 1_000_000_000;
        }

        times[0] = times[2] = seconds;
        times[1] = times[3] = nanos;
    }

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    /// <summary>realpath(3): the absolute path with every symlink resolved; null when it does not exist.</summary>
    public static unsafe string? TryRealPath(string path)
    {
        var p = RealPathNative(path, 0);
        if (p == 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw Error("realpath", path, errno);
        }

        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            NativeMemory.Free((void*)p);
        }
    }

    private static SafeFileHandle Open(SafeFileHandle? dir, string path, int flags, uint mode, string call, string pathForErrors)
    {
        var fd = dir is null ? OpenAt(AtFdCwd, path, flags, mode) : With(dir, d => OpenAt(d, path, flags, mode));
        if (fd < 0)
        {
            throw Error(call, pathForErrors, Marshal.GetLastPInvokeError());
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static int With(SafeFileHandle handle, Func<int, int> call)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var result = call((int)handle.DangerousGetHandle());
            return result;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static IOException Error(string call, string path, int errno) =>
        new($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
}
