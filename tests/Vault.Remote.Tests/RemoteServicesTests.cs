using Microsoft.Extensions.DependencyInjection;
using Vault.Remote.Services;
using Vault.Remote.Tests.Infrastructure;

namespace Vault.Remote.Tests;

/// <summary>
/// Service actions through the host's command templates (this machine has no systemd; the systemctl path is
/// the same code with `systemctl` commands, and its output parsing is tested in <see cref="SystemdStatusParserTests"/>).
/// The "service" is a real background process managed by an LSB-style script on the host.
/// </summary>
public sealed class RemoteServicesTests(SshServerFixture fixture) : IClassFixture<SshServerFixture>
{
    private const string Script = """
        #!/bin/sh
        # svc.sh NAME start|stop|restart|reload|status: a daemon that is a sleep with a pid file.
        dir=$(dirname "$0"); pidfile="$dir/$1.pid"
        running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
        case "$2" in
          start) running || { setsid sleep 100000 >/dev/null 2>&1 </dev/null & echo $! > "$pidfile"; } ;;
          stop) if running; then kill "$(cat "$pidfile")"; rm -f "$pidfile"; fi ;;
          restart) "$0" "$1" stop && "$0" "$1" start ;;
          reload) running || { echo "$1 is not running" >&2; exit 7; } ;;
          status) running && exit 0 || exit 3 ;;
          *) echo "unknown action $2" >&2; exit 2 ;;
        esac
        """;

    private SshServer Server => fixture.Server;

    [Fact]
    public async Task ControlAsync_StartStatusStop_ReachesEachStateAndTheProcessIsGone()
    {
        var (services, dir) = await WithScriptAsync();
        await using var _ = services;
        var control = services.GetRequiredService<IRemoteServices>();

        var started = await control.ControlAsync("h1", "pgdemo", ServiceAction.Start);
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "pgdemo.pid")), System.Globalization.CultureInfo.InvariantCulture);
        var status = await control.StatusAsync("h1", "pgdemo");
        var stopped = await control.ControlAsync("h1", "pgdemo", ServiceAction.Stop);

        Assert.True(started.Status.IsActive);
        Assert.True(status.IsActive);
        Assert.True(stopped.Status.IsStopped);
        Assert.Equal(0, stopped.Command?.ExitCode);
        await Wait.UntilAsync(() => Task.FromResult(Directory.Exists($"/proc/{pid}")), alive => !alive, TimeSpan.FromSeconds(10), $"service process {pid} to exit");
    }

    [Fact]
    public async Task ControlAsync_ReloadOfAStoppedService_FailsWithTheScriptsError()
    {
        var (services, _) = await WithScriptAsync();
        await using var __ = services;

        var e = await Assert.ThrowsAsync<RemoteServiceException>(() => services.GetRequiredService<IRemoteServices>().ControlAsync("h1", "idle", ServiceAction.Reload));

        Assert.Contains("reload idle on remote host 'h1' failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 7", e.Message, StringComparison.Ordinal);
        Assert.Contains("idle is not running", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControlAsync_ServiceNameWithShellCharacters_Refused()
    {
        var (services, _) = await WithScriptAsync();
        await using var __ = services;

        await Assert.ThrowsAsync<InvalidRequestException>(() => services.GetRequiredService<IRemoteServices>().ControlAsync("h1", "x; rm -rf /", ServiceAction.Stop));
    }

    [Fact]
    public void ActionCommand_WithoutTemplate_IsSystemctl()
    {
        Assert.Equal("systemctl restart -- postgresql@15-main", RemoteServiceControl.ActionCommand(new Hosts.RemoteHostOptions(), "postgresql@15-main", ServiceAction.Restart));
    }

    private async Task<(ServiceProvider Services, string Dir)> WithScriptAsync()
    {
        var dir = Path.Combine(Server.Files, $"svc-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        var script = Path.Combine(dir, "svc.sh");
        await File.WriteAllTextAsync(script, Script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        var services = SshServer.Services(Server.Host(configure: h =>
        {
            h.ServiceCommand = $"{script} {{service}} {{action}}";
            h.ServiceStatusCommand = $"{script} {{service}} status";
            h.ServiceSettleTimeout = TimeSpan.FromSeconds(20);
        }));
        return (services, dir);
    }
}
