using Vault.Grains.FileSystem;

namespace Vault.Grains.Tests;

/// <summary>
/// The restore's file operations: a symlink anywhere below the allowed root — there before the
/// restore, or swapped in while it runs — is never followed. Each swap is done by the test between
/// two calls, so nothing depends on timing.
/// </summary>
public sealed class ConfinedDirectoryTests : IDisposable
{
    private readonly string _dir = TestDirs.Create("confined");
    private readonly string _allowed;
    private readonly string _outside;

    public ConfinedDirectoryTests()
    {
        _allowed = Path.Combine(_dir, "allowed");
        _outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(_allowed);
        Directory.CreateDirectory(_outside);
    }

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public void Create_MiddleComponentIsSymlinkInsideRoot_IsRefusedAndCreatesNothingOutside()
    {
        Directory.CreateDirectory(Path.Combine(_allowed, "t3", "a"));
        File.CreateSymbolicLink(Path.Combine(_allowed, "t3", "a", "link_out"), _outside);
        var target = Path.Combine(_allowed, "t3", "a", "link_out", "escaped");

        var e = Assert.Throws<IOException>(() => ConfinedDirectory.Create(target, [_allowed]));
        Assert.Contains("link_out is a symlink, not a directory: not followed", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
    }

    [Fact]
    public void Create_TargetOutsideEveryRoot_IsRefused()
    {
        Assert.Throws<UnauthorizedAccessException>(() => ConfinedDirectory.Create(Path.Combine(_outside, "t"), [_allowed]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
    }

    [Fact]
    public void Create_WithoutRoots_TargetThatIsSymlink_IsRefused()
    {
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, _outside);
        Assert.Throws<IOException>(() => ConfinedDirectory.Create(link, []));
    }

    [Fact]
    public void Create_MissingParents_AreCreatedBelowTheRoot()
    {
        var target = Path.Combine(_allowed, "x", "y", "z");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        Assert.True(Directory.Exists(target));
        using (dir.CreateFile(target + "/f", out _))
        {
        }

        Assert.True(File.Exists(target + "/f"));
    }

    [Fact]
    public void CreateFile_DirectorySwappedForSymlink_IsRefusedAndWritesNothingOutside()
    {
        var target = Path.Combine(_allowed, "t");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        dir.CreateDirectory(target + "/sub");
        SwapForSymlink(target + "/sub", _outside);

        Assert.Throws<IOException>(() => dir.CreateFile(target + "/sub/file", out _));
        Assert.Throws<IOException>(() => dir.CreateDirectory(target + "/sub/deeper"));
        Assert.Throws<IOException>(() => dir.CreateSymlink(target + "/sub/link", "/etc/passwd"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
    }

    [Fact]
    public void OpenFile_FileSwappedForSymlink_IsRefused()
    {
        var target = Path.Combine(_allowed, "t");
        var victim = Path.Combine(_outside, "victim");
        File.WriteAllText(victim, "untouched");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        dir.CreateFile(target + "/f", out var identity).Dispose();
        SwapForSymlink(target + "/f", victim);

        Assert.Throws<IOException>(() => dir.OpenFile(target + "/f", identity));
        Assert.Throws<IOException>(() => dir.SetMetadata(target + "/f", symlink: false, null, null, 0x1FF, 0));
        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.NotEqual(UnixFileMode.OtherWrite, File.GetUnixFileMode(victim) & UnixFileMode.OtherWrite);
    }

    [Fact]
    public void OpenFile_FileSwappedForHardLinkToAnother_IsRefused()
    {
        var target = Path.Combine(_allowed, "t");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        dir.CreateFile(target + "/f", out var identity).Dispose();
        var other = Path.Combine(_allowed, "other");
        File.WriteAllText(other, "someone else's");
        File.Delete(target + "/f");
        Tool.Run("ln", other, target + "/f");

        var e = Assert.Throws<IOException>(() => dir.OpenFile(target + "/f", identity));
        Assert.Contains("replaced", e.Message);
        Assert.Equal("someone else's", File.ReadAllText(other));
    }

    [Fact]
    public void OpenFile_SameFile_IsWritable()
    {
        var target = Path.Combine(_allowed, "t");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        dir.CreateFile(target + "/f", out var identity).Dispose();
        using (var handle = dir.OpenFile(target + "/f", identity))
        {
            RandomAccess.Write(handle, "data"u8, 0);
        }

        Assert.Equal("data", File.ReadAllText(target + "/f"));
    }

    [Fact]
    public void Delete_SymlinkToOutside_RemovesTheLinkOnly()
    {
        var target = Path.Combine(_allowed, "t");
        var victim = Path.Combine(_outside, "victim");
        File.WriteAllText(victim, "kept");
        using var dir = ConfinedDirectory.Create(target, [_allowed]);
        File.CreateSymbolicLink(target + "/l", victim);

        Assert.True(dir.Delete(target + "/l"));
        Assert.True(File.Exists(victim));
        Assert.False(dir.Delete(target + "/l"));
    }

    private static void SwapForSymlink(string path, string linkTarget)
    {
        Directory.Move(path, path + ".moved");
        File.CreateSymbolicLink(path, linkTarget);
    }
}
