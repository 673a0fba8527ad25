using Vault.Grains.FileSystem;

namespace Vault.Grains.Tests;

/// <summary>The backup's open of a file it has lstat'ed: a swap in between is refused, never followed.</summary>
public sealed class SnapshotFileOpenerTests : IDisposable
{
    private readonly string _dir = TestDirs.Create("opener");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public void OpenRead_SameFile_Opens()
    {
        var path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "content");
        var seen = Native.Stat(path);
        using var handle = SnapshotFileOpener.OpenRead(path, seen);
        Assert.Equal(7, RandomAccess.GetLength(handle));
    }

    [Fact]
    public void OpenRead_SwappedForSymlink_IsRefused()
    {
        var path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "content");
        var secret = Path.Combine(_dir, "secret");
        File.WriteAllText(secret, "secret");
        var seen = Native.Stat(path);
        File.Delete(path);
        File.CreateSymbolicLink(path, secret);

        var e = Assert.Throws<IOException>(() => SnapshotFileOpener.OpenRead(path, seen));
        Assert.Contains("symbolic link", e.Message);
    }

    [Fact]
    public void OpenRead_SwappedForAnotherFile_IsRefused()
    {
        var path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "content");
        var seen = Native.Stat(path);
        var other = Path.Combine(_dir, "other");
        File.WriteAllText(other, "other");
        File.Move(other, path, overwrite: true);

        var e = Assert.Throws<IOException>(() => SnapshotFileOpener.OpenRead(path, seen));
        Assert.Contains("replaced after it was listed", e.Message);
    }

    [Fact]
    public void OpenRead_SwappedForFifo_IsRefusedWithoutBlocking()
    {
        var path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "content");
        var seen = Native.Stat(path);
        File.Delete(path);
        Tool.Run("mkfifo", path);

        // O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging the backup.
        var e = Assert.Throws<IOException>(() => SnapshotFileOpener.OpenRead(path, seen));
        Assert.Contains("now a special file", e.Message);
    }
}
