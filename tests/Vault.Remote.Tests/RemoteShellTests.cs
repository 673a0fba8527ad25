using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vault.Remote.Commands;
using Vault.Remote.Tests.Infrastructure;

namespace Vault.Remote.Tests;

/// <summary>Commands on a real sshd: exit codes, live output, timeouts that end the remote process, bounded capture, sequences, concurrency.</summary>
public sealed class RemoteShellTests(SshServerFixture fixture) : IClassFixture<SshServerFixture>
{
    private SshServer Server => fixture.Server;

    [Fact]
    public async Task RunAsync_CommandWithStdoutStderrAndExitCode_ReportsAll()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();

        var result = await shell.RunAsync("h1", "echo hello $(id -un); echo 'it''s' err >&2; exit 3");

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.False(result.TimedOut);
        Assert.Equal($"hello {Server.User}\n", result.Stdout);
        Assert.Equal("its err\n", result.Stderr);
        Assert.False(result.OutputTruncated);
        Assert.Contains("exited with 3", result.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamAsync_OutputBeforeCommandEnds_ArrivesWhileItRuns()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();
        var go = Path.Combine(Server.Files, $"go-{Guid.NewGuid():N}");

        // The command prints, then waits for a file that the test creates only after it has seen the first line:
        // the test can only finish if output is delivered while the command is still running.
        var events = new List<RemoteEvent>();
        await foreach (var e in shell.StreamAsync("h1", $"echo first; while [ ! -e {go} ]; do sleep 0.05; done; echo second >&2"))
        {
            events.Add(e);
            if (e is RemoteOutput { Stream: RemoteStreamKind.Stdout } o && Encoding.UTF8.GetString(o.Data).Contains("first", StringComparison.Ordinal))
            {
                await File.WriteAllTextAsync(go, "");
            }
        }

        var result = Assert.IsType<RemoteCommandResult>(events[^1]);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("first\n", result.Stdout);
        Assert.Equal("second\n", result.Stderr);
        Assert.Contains(events, e => e is RemoteOutput { Stream: RemoteStreamKind.Stderr });
    }

    [Fact]
    public async Task RunAsync_CommandIgnoringTerm_TimesOutAndIsGoneFromTheHost()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();
        var marker = $"600.{Random.Shared.Next(100000, 999999)}";

        var result = await shell.RunAsync("h1", $"trap '' TERM; exec sleep {marker}", new RemoteRunOptions(TimeSpan.FromSeconds(1)));

        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(137, result.ExitCode);
        Assert.Contains("timed out", result.Describe(), StringComparison.Ordinal);
        var check = await shell.RunAsync("h1", $"pgrep -f 'slee[p] {marker}' || echo gone");
        Assert.Equal("gone\n", check.Stdout);
    }

    [Fact]
    public async Task RunAsync_CommandPastItsLimit_EndedWithTermAndReported()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();
        var marker = $"700.{Random.Shared.Next(100000, 999999)}";

        var result = await shell.RunAsync("h1", $"sleep {marker} & wait", new RemoteRunOptions(TimeSpan.FromSeconds(1)));

        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(124, result.ExitCode);
        // The background child is in the same process group: it is ended too.
        var check = await shell.RunAsync("h1", $"pgrep -f 'slee[p] {marker}' || echo gone");
        Assert.Equal("gone\n", check.Stdout);
    }

    [Fact]
    public async Task StreamAsync_OutputOverTheCaptureLimit_TruncatedAndReportedButStreamedWhole()
    {
        await using var services = SshServer.Services(Server.Host(configure: h => h.MaxCaptureBytes = 4096));
        var shell = services.GetRequiredService<IRemoteShell>();
        const int Size = 3_000_000;

        long streamed = 0;
        RemoteCommandResult? result = null;
        await foreach (var e in shell.StreamAsync("h1", $"head -c {Size} /dev/zero | tr '\\0' x; echo done >&2"))
        {
            switch (e)
            {
                case RemoteOutput { Stream: RemoteStreamKind.Stdout } o:
                    Assert.All(o.Data, b => Assert.Equal((byte)'x', b));
                    streamed += o.Data.Length;
                    break;
                case RemoteCommandResult r:
                    result = r;
                    break;
            }
        }

        Assert.NotNull(result);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(Size, streamed);
        Assert.Equal(Size, result.StdoutBytes);
        Assert.Equal(4096, result.Stdout.Length);
        Assert.True(result.OutputTruncated);
        Assert.Equal("done\n", result.Stderr);
    }

    [Fact]
    public async Task RunSequenceAsync_SecondCommandFails_StopsThereUnlessToldToContinue()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();
        string[] commands = ["echo one", "echo two; exit 5", "echo three"];

        var stopped = await shell.RunSequenceAsync("h1", commands);
        var continued = await shell.RunSequenceAsync("h1", commands, new RemoteRunOptions(ContinueOnFailure: true));

        Assert.False(stopped.Succeeded);
        Assert.Equal(2, stopped.Results.Count);
        Assert.Equal(5, stopped.FirstFailure?.ExitCode);
        Assert.Equal(["echo three"], stopped.NotRun);
        Assert.Equal(["one\n", "two\n", "three\n"], continued.Results.Select(r => r.Stdout));
        Assert.False(continued.Succeeded);
    }

    [Fact]
    public async Task RunAsync_MaxConcurrencyOne_SecondCommandWaitsForTheFirst()
    {
        await using var services = SshServer.Services(Server.Host(configure: h => h.MaxConcurrency = 1));
        var shell = services.GetRequiredService<IRemoteShell>();
        var dir = Path.Combine(Server.Files, $"c-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);

        var first = shell.RunAsync("h1", $"touch {dir}/a.start; while [ ! -e {dir}/go ]; do sleep 0.05; done; touch {dir}/a.end");
        await Wait.UntilAsync(() => Task.FromResult(File.Exists($"{dir}/a.start")), s => s, TimeSpan.FromSeconds(20), "the first command to start");
        var second = shell.RunAsync("h1", $"[ -e {dir}/a.end ] && echo after-first || echo overlapped");
        await File.WriteAllTextAsync($"{dir}/go", "");

        Assert.True((await first).Succeeded);
        Assert.Equal("after-first\n", (await second).Stdout);
    }

    [Fact]
    public async Task RunAsync_UnknownHostName_ListsConfiguredHosts()
    {
        await using var services = SshServer.Services(Server.Host());
        var shell = services.GetRequiredService<IRemoteShell>();

        var e = await Assert.ThrowsAsync<RemoteHostNotFoundException>(() => shell.RunAsync("nope", "true"));

        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
        Assert.Contains("h1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_CommandWithQuotes_IsOneShellWordUnderTimeout()
    {
        Assert.Equal("timeout -k 3s 2.5s sh -c 'echo '\\''a b'\\''' </dev/null", SshShell.Wrap("echo 'a b'", TimeSpan.FromSeconds(2.5)));
    }
}
