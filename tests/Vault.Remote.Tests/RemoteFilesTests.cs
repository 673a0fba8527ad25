using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Vault.Remote.Files;
using Vault.Remote.Tests.Infrastructure;

namespace Vault.Remote.Tests;

/// <summary>SFTP transfers against a real sshd: verified, atomic on the remote side, size-limited.</summary>
public sealed class RemoteFilesTests(SshServerFixture fixture) : IClassFixture<SshServerFixture>
{
    private const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private SshServer Server => fixture.Server;

    [Fact]
    public async Task UploadAsync_ReplacesAnExistingFile_KeepsItsModeVerifiesAndLeavesNoTemporaryFile()
    {
        await using var services = SshServer.Services(Server.Host());
        var files = services.GetRequiredService<IRemoteFiles>();
        var dir = UserDirectory();
        var target = Path.Combine(dir, "upstream.conf");
        await File.WriteAllTextAsync(target, "old");
        File.SetUnixFileMode(target, Mode0640);
        var content = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 17);

        var result = await files.UploadAsync("h1", new MemoryStream(content), target);

        Assert.Equal(content, await File.ReadAllBytesAsync(target));
        Assert.Equal(content.Length, result.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), result.Sha256);
        Assert.Equal(Mode0640, File.GetUnixFileMode(target));
        Assert.Equal(["upstream.conf"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task UploadAsync_OverTheSizeLimit_RefusedAndTheTargetUnchanged()
    {
        await using var services = SshServer.Services(Server.Host(configure: h => h.MaxFileBytes = 1024 * 1024));
        var files = services.GetRequiredService<IRemoteFiles>();
        var dir = UserDirectory();
        var target = Path.Combine(dir, "big.bin");
        await File.WriteAllTextAsync(target, "old");

        var e = await Assert.ThrowsAsync<RemoteFileException>(() => files.UploadAsync("h1", new MemoryStream(new byte[3 * 1024 * 1024]), target));

        Assert.Contains("MaxFileBytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("not changed", e.Message, StringComparison.Ordinal);
        Assert.Equal("old", await File.ReadAllTextAsync(target));
        Assert.Equal(["big.bin"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task UploadAsync_NewFileWithMode_CreatedWithThatMode()
    {
        await using var services = SshServer.Services(Server.Host());
        var target = Path.Combine(UserDirectory(), "fence.sh");

        await services.GetRequiredService<IRemoteFiles>().UploadAsync("h1", new MemoryStream("#!/bin/sh\n"u8.ToArray()), target,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(target));
    }

    [Fact]
    public async Task DownloadAsync_File_CopiedAndVerified()
    {
        await using var services = SshServer.Services(Server.Host());
        var source = Path.Combine(UserDirectory(), "dump.bin");
        var content = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 3);
        await File.WriteAllBytesAsync(source, content);
        var copy = new MemoryStream();

        var result = await services.GetRequiredService<IRemoteFiles>().DownloadAsync("h1", source, copy);

        Assert.Equal(content, copy.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), result.Sha256);
    }

    [Fact]
    public async Task DownloadAsync_OverTheSizeLimitOrMissing_Refused()
    {
        await using var services = SshServer.Services(Server.Host(configure: h => h.MaxFileBytes = 1000));
        var files = services.GetRequiredService<IRemoteFiles>();
        var source = Path.Combine(UserDirectory(), "large.bin");
        await File.WriteAllBytesAsync(source, new byte[1001]);

        var tooLarge = await Assert.ThrowsAsync<RemoteFileException>(() => files.DownloadAsync("h1", source, new MemoryStream()));
        var missing = await Assert.ThrowsAsync<RemoteFileException>(() => files.DownloadAsync("h1", source + ".nope", new MemoryStream()));
        var relative = await Assert.ThrowsAsync<InvalidRequestException>(() => files.DownloadAsync("h1", "etc/passwd", new MemoryStream()));

        Assert.Contains("1001 bytes", tooLarge.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", missing.Message, StringComparison.Ordinal);
        Assert.Contains("absolute", relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_DirectoryTheUserCannotWrite_RefusedWithPermissionDenied()
    {
        await using var services = SshServer.Services(Server.Host());

        var e = await Assert.ThrowsAsync<RemoteFileException>(() =>
            services.GetRequiredService<IRemoteFiles>().UploadAsync("h1", new MemoryStream([1]), "/etc/vault-remote-test.conf"));

        Assert.Contains("permission denied", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists("/etc/vault-remote-test.conf"));
    }

    /// <summary>A fresh directory the test user owns.</summary>
    private string UserDirectory()
    {
        var dir = Path.Combine(Server.Files, $"d-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        return dir;
    }

    [Fact]
    public async Task UploadAsync_FromASourceThatStalls_EndsAtTheTransferTimeoutWithAClearErrorAndTheTargetUnchanged()
    {
        await using var services = SshServer.Services(Server.Host(configure: h => h.TransferTimeout = TimeSpan.FromSeconds(2)));
        var target = Path.Combine(UserDirectory(), "stalled.conf");
        await File.WriteAllTextAsync(target, "old");
        // A pipe nobody writes to: the upload's first read waits for ever, as a stalled client stream would.
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var source = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, pipe.ClientSafePipeHandle);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<RemoteFileException>(() => services.GetRequiredService<IRemoteFiles>().UploadAsync("h1", source, target));

        Assert.Contains("did not finish within the host's TransferTimeout (00:00:02)", e.Message, StringComparison.Ordinal);
        Assert.Contains("not changed", e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20));
        Assert.Equal("old", await File.ReadAllTextAsync(target));
    }
}
