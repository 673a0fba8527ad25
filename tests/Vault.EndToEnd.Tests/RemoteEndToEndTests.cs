using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// Remote operations through the real silo, gateway and CLI against a real sshd on 127.0.0.1
/// (infra/scripts/sshd.sh): output streamed as it arrives, admin only, audited, host keys pinned.
/// </summary>
public sealed class RemoteEndToEndTests : TempRootTests
{
    private const string Admin = "e2e-remote-admin-token-0123456789abcdef";

    [Fact]
    public async Task RemoteExec_ThroughCli_PrintsOutputAsItArrivesAndReturnsTheOutcome()
    {
        var (sshd, silo) = await StartAsync();
        await using var _ = sshd;
        await using var __ = silo;
        var go = Path.Combine(sshd.Files, "go");

        // The remote command prints, then waits for a file the test creates only once the CLI has printed the line.
        using var cli = StartCli(silo, "--token", Admin, "remote", "exec", "h1", "--", "echo first; while [ ! -e", go, "]; do sleep 0.05; done; echo second");
        var first = await cli.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await File.WriteAllTextAsync(go, "");
        var rest = await cli.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var failing = await Cli(silo, "--token", Admin, "remote", "exec", "h1", "--", "echo oops >&2; exit 3");
        var json = await Cli(silo, "--token", Admin, "--json", "remote", "exec", "h1", "--", "id -un");

        Assert.Equal("first", first);
        Assert.Equal("second\n", rest);
        Assert.Equal(0, cli.ExitCode);
        Assert.True(failing.ExitCode == 1, failing.ToString());
        Assert.Contains("oops", failing.Stderr, StringComparison.Ordinal);
        Assert.Contains("exited with 3", failing.Stderr, StringComparison.Ordinal);
        using var parsed = JsonDocument.Parse(json.Stdout);
        Assert.Equal("vault-ssh-test\n", parsed.RootElement.GetProperty("stdout").GetString());
        Assert.Equal(0, parsed.RootElement.GetProperty("exitCode").GetInt32());
        var audit = await Cli(silo, "--token", Admin, "--json", "audit");
        Assert.Contains(AuditEntries(audit), a =>
            a.GetProperty("what").GetString() == "RemoteExec" && a.GetProperty("target").GetString()!.StartsWith("h1: echo oops >&2; exit 3 -> exit 3, ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemoteExec_WithOperatorKey_RefusedOnGrpcAndRestAndAudited()
    {
        var (sshd, silo) = await StartAsync();
        await using var _ = sshd;
        await using var __ = silo;
        var create = await Cli(silo, "--token", Admin, "keys", "create", "--name", "ops", "--role", "operator");
        Assert.True(create.ExitCode == 0, create.ToString());
        var token = create.Stdout.Trim();
        var marker = Path.Combine(sshd.Files, "must-not-exist");

        var grpc = await Cli(silo, "--token", token, "remote", "exec", "h1", "--", "touch", marker);
        using var http = new HttpClient { BaseAddress = new Uri(silo.Http) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var rest = await http.PostAsync("/api/v1/remote/hosts/h1/exec", new StringContent($"{{\"command\":\"touch {marker}\"}}", Encoding.UTF8, "application/json"));
        var audit = await Cli(silo, "--token", Admin, "--json", "audit");

        Assert.True(grpc.ExitCode == 7, grpc.ToString());
        Assert.Contains("needs admin", grpc.Stderr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, rest.StatusCode);
        Assert.False(File.Exists(marker));
        var refused = AuditEntries(audit)
            .Where(a => a.GetProperty("who").GetString() == "ops" && a.GetProperty("what").GetString() == "RemoteExec").ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal("PermissionDenied", a.GetProperty("result").GetString());
            Assert.Equal($"h1: touch {marker}", a.GetProperty("target").GetString());
        });
    }

    [Fact]
    public async Task RemoteTrust_ThroughCli_RecordsOnlyTheMatchingFingerprint()
    {
        var (sshd, silo) = await StartAsync(emptyKnownHosts: true);
        await using var _ = sshd;
        await using var __ = silo;
        var fingerprint = (await Run.ProcessAsync("ssh-keygen", ["-l", "-f", Path.Combine(sshd.RunDir, "sshd", "ssh_host_ed25519_key.pub")])).Stdout.Split(' ')[1];

        var refused = await Cli(silo, "--token", Admin, "remote", "exec", "h1", "--", "true");
        var shown = await Cli(silo, "--token", Admin, "remote", "trust", "h1");
        var wrong = await Cli(silo, "--token", Admin, "remote", "trust", "h1", "--fingerprint", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
        var trusted = await Cli(silo, "--token", Admin, "remote", "trust", "h1", "--fingerprint", fingerprint);
        var works = await Cli(silo, "--token", Admin, "remote", "exec", "h1", "--", "echo ok");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("unknown", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains(fingerprint, refused.Stderr, StringComparison.Ordinal);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains($"offers ssh-ed25519 {fingerprint}", shown.Stdout, StringComparison.Ordinal);
        Assert.Contains("unknown", shown.Stdout, StringComparison.Ordinal);
        Assert.True(wrong.ExitCode == 1, wrong.ToString());
        Assert.Contains("nothing was recorded", wrong.Stderr, StringComparison.Ordinal);
        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Contains("recorded in known_hosts", trusted.Stdout, StringComparison.Ordinal);
        Assert.Equal("ok\n", works.Stdout);
    }

    [Fact]
    public async Task RemoteCopyAndService_ThroughCli_TransferVerifiedAndControlTheService()
    {
        var (sshd, silo) = await StartAsync();
        await using var _ = sshd;
        await using var __ = silo;
        var local = Path.Combine(Root, "upstream.conf");
        var content = new string('x', 100_000) + "\n";
        await File.WriteAllTextAsync(local, content);
        var remote = Path.Combine(sshd.Files, "upstream.conf");
        var back = Path.Combine(Root, "back.conf");

        var up = await Cli(silo, "--token", Admin, "remote", "copy", local, $"h1:{remote}", "--mode", "0640");
        var down = await Cli(silo, "--token", Admin, "remote", "copy", $"h1:{remote}", back);
        var start = await Cli(silo, "--token", Admin, "remote", "service", "h1", "demo", "start");
        var stop = await Cli(silo, "--token", Admin, "remote", "service", "h1", "demo", "stop");

        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Equal(content, await File.ReadAllTextAsync(remote));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(remote));
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal(content, await File.ReadAllTextAsync(back));
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.StartsWith("demo on h1: active", start.Stdout, StringComparison.Ordinal);
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.StartsWith("demo on h1: inactive", stop.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_RemoteHostWithMisspeltKeyOrOpenKeyFile_RefusesToStartNamingIt()
    {
        var (sshd, silo) = await StartAsync(start: false);
        await using var _ = sshd;
        await using var __ = silo;
        var open = Path.Combine(sshd.RunDir, "client", "open_key");
        File.Copy(Path.Combine(sshd.RunDir, "client", "id_ed25519"), open);
        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var misspelt = await silo.RunToExitAsync("--Vault:Remote:Hosts:h1:Adress=127.0.0.1");
        var openKey = await silo.RunToExitAsync("--Vault:Remote:Hosts:h1:PrivateKeyFile=" + open);

        Assert.NotEqual(0, misspelt.ExitCode);
        Assert.Contains("Vault:Remote:Hosts:h1:Adress is not a setting (unknown key); did you mean Vault:Remote:Hosts:h1:Address?", misspelt.Stdout + misspelt.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, openKey.ExitCode);
        Assert.Contains("Vault:Remote:Hosts:h1:PrivateKeyFile", openKey.Stdout + openKey.Stderr, StringComparison.Ordinal);
        Assert.Contains("mode 0644", openKey.Stdout + openKey.Stderr, StringComparison.Ordinal);
    }

    private async Task<(Sshd Sshd, SiloProcess Silo)> StartAsync(bool emptyKnownHosts = false, bool start = true)
    {
        var sshd = await Sshd.StartAsync(Path.Combine(Root, "sshd"));
        var knownHosts = Path.Combine(sshd.RunDir, "client", "known_hosts");
        if (emptyKnownHosts)
        {
            knownHosts = Path.Combine(sshd.RunDir, "client", "empty_known_hosts");
        }

        var script = Path.Combine(sshd.Files, "svc.sh");
        await File.WriteAllTextAsync(script, """
            #!/bin/sh
            dir=$(dirname "$0"); pidfile="$dir/$1.pid"
            running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
            case "$2" in
              start) running || { setsid sleep 100000 >/dev/null 2>&1 </dev/null & echo $! > "$pidfile"; } ;;
              stop) if running; then kill "$(cat "$pidfile")"; rm -f "$pidfile"; fi ;;
              status) running && exit 0 || exit 3 ;;
              *) exit 2 ;;
            esac

            """);
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        var h = "--Vault:Remote:Hosts:h1:";
        var silo = new SiloProcess(Path.Combine(Root, "data"));
        silo.ExtraArguments.AddRange([
            "--auth", "required",
            h + "Address=127.0.0.1", h + "Port=" + sshd.Port.ToString(CultureInfo.InvariantCulture), h + "User=vault-ssh-test",
            h + "PrivateKeyFile=" + Path.Combine(sshd.RunDir, "client", "id_ed25519"), h + "KnownHostsFile=" + knownHosts,
            h + "CommandTimeout=00:01:00", h + "ServiceCommand=" + script + " {service} {action}", h + "ServiceStatusCommand=" + script + " {service} status",
        ]);
        silo.ExtraEnvironment["VAULT_ADMIN_TOKEN"] = Admin;
        if (start)
        {
            await silo.StartAsync();
        }

        return (sshd, silo);
    }

    /// <summary>`vault --json audit` prints one JSON object per line.</summary>
    private static List<JsonElement> AuditEntries(RunResult audit)
    {
        Assert.True(audit.ExitCode == 0, audit.ToString());
        return audit.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static Task<RunResult> Cli(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    private static Process StartCli(SiloProcess silo, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Binaries.Cli, "--gateway", silo.Gateway, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        return Process.Start(psi)!;
    }

    /// <summary>A real sshd started by infra/scripts/sshd.sh; its files/ directory belongs to the test user.</summary>
    private sealed class Sshd : IAsyncDisposable
    {
        private Sshd(string runDir, int port)
        {
            RunDir = runDir;
            Port = port;
        }

        public string RunDir { get; }

        public int Port { get; }

        public string Files => Path.Combine(RunDir, "files");

        public static async Task<Sshd> StartAsync(string runDir)
        {
            var port = Ports.Free();
            var result = await Run.ProcessAsync("bash", [Script(), "start", runDir, port.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(60));
            return result.ExitCode == 0 ? new Sshd(runDir, port) : throw new InvalidOperationException($"sshd.sh start failed: {result}");
        }

        public async ValueTask DisposeAsync() => await Run.ProcessAsync("bash", [Script(), "stop", RunDir], timeout: TimeSpan.FromSeconds(30));

        private static string Script()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("no Vault.sln above the test assembly"), "infra", "scripts", "sshd.sh");
        }
    }
}
