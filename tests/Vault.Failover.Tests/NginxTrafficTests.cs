using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Traffic;
using Vault.Remote;
using Vault.Remote.Commands;
using Vault.Remote.Files;
using Vault.Remote.Hosts;

namespace Vault.Failover.Tests;

/// <summary>
/// Open-source Nginx as a traffic provider, on real servers: nginx (stream upstream in front of the
/// PostgreSQL pair, run by the SSH account) reached over the project's real sshd. The primary is killed,
/// the replica promoted, the upstream file rewritten over SFTP, checked and reloaded, and a query through
/// Nginx reaches the new primary; a configuration that fails `nginx -t` puts the previous file back.
/// </summary>
public sealed class NginxTrafficTests
{
    private const string User = "vault-ssh-test";

    [Fact]
    public async Task PrimaryKilled_Promoted_UpstreamRewrittenOverSsh_QueryThroughNginxReachesNewPrimary_AndABrokenConfigRollsBack()
    {
        await using var ssh = await Sshd.StartAsync();
        await using var servers = await LocalServers.StartWithAsync(new Dictionary<string, string> { ["NGINX_USER"] = User }, "postgres", "nginx");
        var dir = Path.Combine(servers.RunDir, "nginx");
        var conf = $"-c {dir}/nginx.conf -e {dir}/error.log";
        var spec = new TrafficSpec
        {
            Kind = TrafficKind.Nginx,
            RemoteHost = "proxy",
            UpstreamFile = $"{dir}/upstream.conf",
            Upstream = "pg",
            TestCommand = $"/usr/sbin/nginx -t -q {conf}",
            ReloadCommand = $"/usr/sbin/nginx -s reload {conf}",
            Timeout = TimeSpan.FromSeconds(10),
        };
        await using var provider = ssh.Services();
        var nginx = new NginxTraffic(spec, provider.GetRequiredService<IRemoteShell>(), provider.GetRequiredService<IRemoteFiles>());
        var pg1 = new FailoverNodeSpec { Name = "pg1", Host = "127.0.0.1", Port = servers.Port(LocalServers.Pg1) };
        var pg2 = new FailoverNodeSpec { Name = "pg2", Host = "127.0.0.1", Port = servers.Port(LocalServers.Pg2) };
        var through = $"Host=127.0.0.1;Port={servers.Port(LocalServers.NginxPg)};Username=postgres;Password={servers.Password};Pooling=false;Timeout=3;Command Timeout=5";

        Assert.Contains("passes", await nginx.PreflightAsync([pg1, pg2], default), StringComparison.Ordinal);
        Assert.False(await InRecoveryAsync(through));

        await servers.KillAsync("pg1");
        await using (var replica = new NpgsqlConnection($"Host=127.0.0.1;Port={pg2.Port};Username=postgres;Password={servers.Password};Pooling=false"))
        {
            await replica.OpenAsync();
            await using var promote = new NpgsqlCommand("SELECT pg_promote(true, 30)", replica);
            Assert.Equal(true, await promote.ExecuteScalarAsync());
        }

        Assert.Contains("checked and reloaded", await nginx.DisableAsync(pg1, default), StringComparison.Ordinal);
        Assert.Contains("checked and reloaded", await nginx.EnableAsync(pg2, default), StringComparison.Ordinal);
        Assert.EndsWith("already", await nginx.EnableAsync(pg2, default), StringComparison.Ordinal);
        var file = await File.ReadAllTextAsync(spec.UpstreamFile);
        Assert.Contains($"server 127.0.0.1:{pg1.Port} down;", file, StringComparison.Ordinal);
        Assert.Contains($"server 127.0.0.1:{pg2.Port};", file, StringComparison.Ordinal);
        Assert.False(await Wait.UntilAsync(() => InRecoveryAsync(through), r => r == false, TimeSpan.FromSeconds(10), "a query through nginx to reach the promoted pg2"));

        // Break the main configuration: the next rewrite fails `nginx -t`, is rolled back, and nginx's message is the step's error.
        var before = await File.ReadAllTextAsync(spec.UpstreamFile);
        await File.AppendAllTextAsync($"{dir}/nginx.conf", "\nnot_a_directive on;\n");
        var failed = await Assert.ThrowsAsync<FailoverStepException>(() => nginx.EnableAsync(pg1, default));
        Assert.Contains("rolled back because the configuration check failed", failed.Message, StringComparison.Ordinal);
        Assert.Contains("unknown directive \"not_a_directive\"", failed.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(spec.UpstreamFile));
        Assert.False(await InRecoveryAsync(through));
    }

    [Theory]
    [InlineData("upstream pg {\n    server 127.0.0.1:1;\n    server 127.0.0.1:2 down;\n}\n", "127.0.0.1:2", false, null, "    server 127.0.0.1:2;")]
    [InlineData("upstream pg {\n    server 127.0.0.1:1 max_fails=2;\n}\n", "127.0.0.1:1", true, null, "    server 127.0.0.1:1 max_fails=2 down;")]
    [InlineData("upstream pg {\n  server 127.0.0.1:1 weight=3 down; # blue\n}\n", "127.0.0.1:1", false, 40, "  server 127.0.0.1:1 weight=40; # blue")]
    public void UpstreamFile_Set_EditsOnlyTheServerLine(string text, string address, bool down, int? weight, string expected)
    {
        var file = NginxUpstreamFile.Parse(text, "pg");
        Assert.True(file.Set(address, down, weight));
        Assert.Contains(expected + "\n", file.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("upstream pg {\n", file.ToString(), StringComparison.Ordinal);
        Assert.False(file.Set("127.0.0.1:9", true));
    }

    [Fact]
    public void UpstreamFile_WithoutTheUpstream_IsRefusedNamingIt() =>
        Assert.Contains("no 'upstream pg {' block", Assert.Throws<FormatException>(() => NginxUpstreamFile.Parse("upstream other {\n}\n", "pg")).Message, StringComparison.Ordinal);

    private static async Task<bool> InRecoveryAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var q = new NpgsqlCommand("SELECT pg_is_in_recovery()", c);
        return (bool)(await q.ExecuteScalarAsync())!;
    }

    /// <summary>The project's real sshd (infra/scripts/sshd.sh) and the remote services that reach it as host "proxy".</summary>
    private sealed class Sshd : IAsyncDisposable
    {
        private Sshd(string run, int port)
        {
            Run = run;
            Port = port;
        }

        public string Run { get; }

        public int Port { get; }

        public static async Task<Sshd> StartAsync()
        {
            var run = Path.Combine(Path.GetTempPath(), "vault-failover", "sshd-" + Guid.NewGuid().ToString("N")[..8]);
            var port = LocalServers.NextBase() + 20;
            await ScriptAsync("start", run, port.ToString(CultureInfo.InvariantCulture));
            return new Sshd(run, port);
        }

        public ServiceProvider Services()
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Vault:Remote:Hosts:proxy:Address"] = "127.0.0.1",
                ["Vault:Remote:Hosts:proxy:Port"] = Port.ToString(CultureInfo.InvariantCulture),
                ["Vault:Remote:Hosts:proxy:User"] = User,
                ["Vault:Remote:Hosts:proxy:PrivateKeyFile"] = Path.Combine(Run, "client", "id_ed25519"),
                ["Vault:Remote:Hosts:proxy:KnownHostsFile"] = Path.Combine(Run, "client", "known_hosts"),
                ["Vault:Remote:Hosts:proxy:ConnectTimeout"] = "00:00:05",
                ["Vault:Remote:Hosts:proxy:CommandTimeout"] = "00:00:30",
            }).Build();
            var options = RemoteOptions.Bind(config);
            var errors = options.Validate().ToList();
            Assert.True(errors.Count == 0, string.Join("; ", errors));
            return new ServiceCollection().AddLogging().AddVaultRemote(options).BuildServiceProvider();
        }

        public async ValueTask DisposeAsync()
        {
            await ScriptAsync("stop", Run);
            Directory.Delete(Run, recursive: true);
        }

        private static async Task ScriptAsync(params string[] args)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sshd.sh"));
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, $"sshd.sh {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}");
        }
    }
}
