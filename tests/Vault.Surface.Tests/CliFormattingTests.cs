using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Cli;
using Vault.Cli.Commands;
using Vault.V1;

namespace Vault.Surface.Tests;

public sealed class CliFormattingTests
{
    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.NotFound, 5)]
    [InlineData(StatusCode.DataLoss, 6)]
    [InlineData(StatusCode.Unavailable, 4)]
    [InlineData(StatusCode.Cancelled, 130)]
    [InlineData(StatusCode.InvalidArgument, 1)]
    [InlineData(StatusCode.FailedPrecondition, 1)]
    [InlineData(StatusCode.Internal, 1)]
    [InlineData(StatusCode.Unknown, 1)]
    [InlineData(StatusCode.DeadlineExceeded, 1)]
    public void StatusMapsToExitCode(StatusCode status, int exitCode) => Assert.Equal(exitCode, ExitCodes.FromStatus(status));

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1.0 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(1048575L, "1.0 MiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.0 GiB")]
    [InlineData(-2048L, "-2.0 KiB")]
    [InlineData(long.MaxValue, "8.0 EiB")]
    public void Bytes(long bytes, string expected) => Assert.Equal(expected, Formatting.Bytes(bytes));

    [Theory]
    [InlineData(0, "0ms")]
    [InlineData(250, "250ms")]
    [InlineData(4_250, "4.2s")]
    [InlineData(187_000, "3m07s")]
    [InlineData(7_509_000, "2h05m09s")]
    [InlineData(-5, "0ms")]
    public void Duration(int milliseconds, string expected) => Assert.Equal(expected, Formatting.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(10L * 1048576, 2.0, "5.0 MiB/s")]
    [InlineData(0L, 1.0, "0.0 MiB/s")]
    [InlineData(100L, 0.0, "- MiB/s")]
    public void Rate(long bytes, double seconds, string expected) => Assert.Equal(expected, Formatting.Rate(bytes, TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void EtaNeedsKnownTotalsAndProgress()
    {
        var half = new JobProgress { BytesDone = 50, BytesTotal = 100, TotalsKnown = true };
        Assert.Equal(TimeSpan.FromSeconds(10), Formatting.Eta(half, TimeSpan.FromSeconds(10)));
        Assert.Null(Formatting.Eta(new JobProgress { BytesDone = 50, BytesTotal = 100 }, TimeSpan.FromSeconds(10)));
        Assert.Null(Formatting.Eta(new JobProgress { BytesTotal = 100, TotalsKnown = true }, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void ProgressLineShowsFilesBytesRateAndEta()
    {
        var progress = new JobProgress { FilesDone = 3, FilesTotal = 12, BytesDone = 1048576, BytesTotal = 4194304, TotalsKnown = true };
        Assert.Equal("files 3/12  1.0 MiB / 4.0 MiB  1.0 MiB/s  ETA 3.0s", Formatting.ProgressLine(progress, TimeSpan.FromSeconds(1)));

        var counting = new JobProgress { FilesDone = 3, FilesTotal = 5, BytesDone = 0, BytesTotal = 10 };
        Assert.Equal("files 3/5+  0 B / 10 B+  0.0 MiB/s  ETA ?", Formatting.ProgressLine(counting, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(FileType.Directory, 0x1EDu, "drwxr-xr-x")]
    [InlineData(FileType.File, 0x1A4u, "-rw-r--r--")]
    [InlineData(FileType.Symlink, 0x1FFu, "lrwxrwxrwx")]
    [InlineData(FileType.File, 0x9EDu, "-rwsr-xr-x")]
    [InlineData(FileType.File, 0xDA4u, "-rwSr-Sr--")]
    [InlineData(FileType.Directory, 0x3FFu, "drwxrwxrwt")]
    [InlineData(FileType.Unspecified, 0u, "?---------")]
    public void Mode(FileType type, uint mode, string expected) => Assert.Equal(expected, Formatting.Mode(type, mode));

    [Fact]
    public void TablePadsColumns()
    {
        var table = Formatting.Table(["ID", "SIZE", "PATHS"], [["a", "1 B", "/x"], ["bbbb", "10.0 KiB", "/y /z"]], new HashSet<int> { 1 });
        Assert.Equal("ID        SIZE  PATHS\na          1 B  /x\nbbbb  10.0 KiB  /y /z\n", table);
    }

    [Fact]
    public void LsLineLooksLikeLs()
    {
        var entry = new FileEntry
        {
            Path = "/data/link",
            Type = FileType.Symlink,
            Mode = 0x1FF,
            Size = 7,
            Mtime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)),
            LinkTarget = "target",
            Uid = 1000,
            Gid = 100,
        };
        Assert.Equal("lrwxrwxrwx  1000:100            7 B  2026-01-02 03:04:05  /data/link -> target", LsCommand.Line(entry, TimeZoneInfo.Utc));
    }

    [Fact]
    public void ExcludeFileSkipsBlankLinesAndComments()
    {
        string[] lines = ["*.tmp", "", "   ", "# comment", "  node_modules  ", "#x", "cache/**"];
        Assert.Equal(["*.tmp", "node_modules", "cache/**"], BackupCommand.ParseExcludeLines(lines));
    }

    [Fact]
    public void RelativePathsBecomeAbsolute()
    {
        Assert.Equal(["/home/me/docs", "/etc", "/home/x"], BackupCommand.Absolute(["docs", "/etc", "../x"], "/home/me"));
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("etc/x", "/etc/x")]
    [InlineData("/etc", "/etc")]
    public void SnapshotPathsAreAbsolute(string path, string expected) => Assert.Equal(expected, RestoreCommand.SnapshotPath(path));
}
