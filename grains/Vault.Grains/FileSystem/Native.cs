// The few POSIX calls .NET does not expose: lstat (inode, ctime, uid, gid, nanosecond times),
// utimensat on symlinks with nanosecond precision, and lchown. Linux x86-64 and arm64 layouts.
using System.Runtime.InteropServices;

namespace Vault.Grains.FileSystem;

public enum FileKind
{
    Other = 0,
    File = 1,
    Directory = 2,
    Symlink = 3,
}

/// <summary>What lstat says about one path.</summary>
public readonly record struct FileStat(
    FileKind Kind,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    ulong Inode,
    ulong Device,
    long MTimeNs,
    long CTimeNs);

public static partial class Native
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint SIfMt = 0xF000;
    private const uint SIfReg = 0x8000;
    private const uint SIfDir = 0x4000;
    private const uint SIfLnk = 0xA000;

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int UtimensAt(int dirfd, string path, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    public static bool IsRoot => GetEuid() == 0;

    /// <summary>lstat(2); throws IOException naming the path on failure.</summary>
    public static unsafe FileStat Stat(string path)
    {
        var buffer = stackalloc byte[256];
        if (LStat(path, buffer) != 0)
        {
            throw Error("lstat", path);
        }

        return Decode(buffer);
    }

    /// <summary>lstat(2), or null when nothing exists at the path.</summary>
    public static unsafe FileStat? TryStat(string path)
    {
        var buffer = stackalloc byte[256];
        if (LStat(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20)
            {
                return null; // ENOENT, ENOTDIR
            }

            throw Error("lstat", path);
        }

        return Decode(buffer);
    }

    /// <summary>fstat(2) of an open file.</summary>
    public static unsafe FileStat Stat(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string pathForErrors)
    {
        var buffer = stackalloc byte[256];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
            {
                throw Error("fstat", pathForErrors);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Decode(buffer);
    }

    /// <summary>Sets atime and mtime (nanoseconds) without following a final symlink.</summary>
    public static unsafe void SetTimes(string path, long mtimeNs)
    {
        var times = stackalloc long[4];
        times[0] = mtimeNs / 1_000_000_000;
        times[1] = mtimeNs % 1_000_000_000;
        times[2] = times[0];
        times[3] = times[1];
        if (times[1] < 0)
        {
            times[0] -= 1;
            times[1] += 1_000_000_000;
            times[2] = times[0];
            times[3] = times[1];
        }

        if (UtimensAt(AtFdCwd, path, times, AtSymlinkNoFollow) != 0)
        {
            throw Error("utimensat", path);
        }
    }

    public static void SetOwner(string path, uint uid, uint gid)
    {
        if (LChown(path, uid, gid) != 0)
        {
            throw Error("lchown", path);
        }
    }

    private static unsafe FileStat Decode(byte* b)
    {
        ulong dev, ino;
        uint mode, uid, gid;
        long size, mSec, mNsec, cSec, cNsec;
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            dev = *(ulong*)b;
            ino = *(ulong*)(b + 8);
            mode = *(uint*)(b + 24);
            uid = *(uint*)(b + 28);
            gid = *(uint*)(b + 32);
            size = *(long*)(b + 48);
            mSec = *(long*)(b + 88);
            mNsec = *(long*)(b + 96);
            cSec = *(long*)(b + 104);
            cNsec = *(long*)(b + 112);
        }
        else if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            dev = *(ulong*)b;
            ino = *(ulong*)(b + 8);
            mode = *(uint*)(b + 16);
            uid = *(uint*)(b + 24);
            gid = *(uint*)(b + 28);
            size = *(long*)(b + 48);
            mSec = *(long*)(b + 88);
            mNsec = *(long*)(b + 96);
            cSec = *(long*)(b + 104);
            cNsec = *(long*)(b + 112);
        }
        else
        {
            throw new PlatformNotSupportedException($"file metadata is not supported on {RuntimeInformation.ProcessArchitecture}");
        }

        var kind = (mode & SIfMt) switch
        {
            SIfReg => FileKind.File,
            SIfDir => FileKind.Directory,
            SIfLnk => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new FileStat(kind, mode & 0xFFF, uid, gid, size, ino, dev, (mSec * 1_000_000_000) + mNsec, (cSec * 1_000_000_000) + cNsec);
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return new IOException($"{call} {path}: {text}", errno);
    }
}
