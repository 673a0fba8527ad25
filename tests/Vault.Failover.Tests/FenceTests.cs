using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Vault.Remote;
using Vault.Remote.Hosts;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// A cluster whose silos reach a real OpenSSH server (infra/scripts/sshd.sh) as the postgres account:
/// remote host "db1" stands for the old primary's machine. Its service template runs pg_ctl on the data
/// directory linked as <c>{LinkDir}/{service}</c>, so each test names its own PostgreSQL as the service.
/// </summary>
public sealed class FenceCluster : FailoverCluster
{
    public const string Host = "db1";

    public string SshRun { get; } = Path.Combine(Path.GetTempPath(), "vault-failover", "sshd-" + Guid.NewGuid().ToString("N")[..8]);

    public string LinkDir { get; } = Path.Combine(Path.GetTempPath(), "vault-failover", "fence-" + Guid.NewGuid().ToString("N")[..8]);

    public int SshPort { get; } = LocalServers.NextBase();

    private RemoteOptions _remote = null!;

    public Task StopSshdAsync() => RunAsync("stop", SshRun);

    public Task StartSshdAgainAsync() => RunLaunchAsync();

    protected override async Task BeforeDeployAsync()
    {
        Directory.CreateDirectory(LinkDir);
        File.SetUnixFileMode(LinkDir, (UnixFileMode)Convert.ToInt32("755", 8));
        await RunAsync("start", SshRun, SshPort.ToString(CultureInfo.InvariantCulture));
        var pgctl = "/usr/lib/postgresql/15/bin/pg_ctl";
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Vault:Remote:Hosts:{Host}:Address"] = "127.0.0.1",
            [$"Vault:Remote:Hosts:{Host}:Port"] = SshPort.ToString(CultureInfo.InvariantCulture),
            [$"Vault:Remote:Hosts:{Host}:User"] = "postgres",
            [$"Vault:Remote:Hosts:{Host}:PrivateKeyFile"] = Path.Combine(SshRun, "client", "id_ed25519"),
            [$"Vault:Remote:Hosts:{Host}:KnownHostsFile"] = Path.Combine(SshRun, "client", "known_hosts"),
            [$"Vault:Remote:Hosts:{Host}:ConnectTimeout"] = "00:00:03",
            [$"Vault:Remote:Hosts:{Host}:CommandTimeout"] = "00:00:30",
            [$"Vault:Remote:Hosts:{Host}:ServiceCommand"] = $"{pgctl} -D {LinkDir}/{{service}} -m fast -w {{action}}",
            [$"Vault:Remote:Hosts:{Host}:ServiceStatusCommand"] = $"{pgctl} -D {LinkDir}/{{service}} status",
        }).Build();
        _remote = RemoteOptions.Bind(config);
        var errors = _remote.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("remote host configuration: " + string.Join("; ", errors));
        }
    }

    protected override void ConfigureSilo(ISiloBuilder silo) => silo.Services.AddVaultRemote(_remote);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await RunAsync("stop", SshRun);
        Directory.Delete(LinkDir, recursive: true);
    }

    private Task RunLaunchAsync() => RunAsync("start-again", SshRun);

    private static async Task RunAsync(params string[] args)
    {
        if (args[0] == "start-again")
        {
            // sshd.sh has no "launch" command; rekey would change the key, so start the same configuration directly.
            var run = args[1];
            await ExecAsync("/usr/sbin/sshd", ["-f", Path.Combine(run, "sshd", "sshd_config"), "-E", Path.Combine(run, "sshd", "sshd.log")]);
            return;
        }

        await ExecAsync("bash", [Path.Combine(AppContext.BaseDirectory, "sshd.sh"), .. args]);
    }

    private static async Task ExecAsync(string file, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["SSHD_USER"] = "postgres";
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FenceCollection : ICollectionFixture<FenceCluster>
{
    public const string Name = "failover-fence";
}

/// <summary>
/// Fencing over SSH on real servers: the old primary still runs but is cut off from its replica; the
/// failover stops it on its machine before promoting, so it can take no write afterwards. When its
/// machine does not answer SSH, the default policy halts rather than guessing.
/// </summary>
[Collection(FenceCollection.Name)]
public sealed class FenceTests(FenceCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task IsolatedPrimary_FencedOverSsh_ThenPromoted_AndTheOldPrimaryTakesNoWrite()
    {
        await using var servers = await LocalServers.StartAsync("postgres");
        var (controller, _) = await ConfigureAsync(servers);
        await IsolateAsync(servers);
        await ExecuteAsync(servers, LocalServers.Pg1, "CREATE TABLE fenced (id int); INSERT INTO fenced VALUES (1)");

        var started = await controller.FailoverAsync(new FailoverCommand("pg2", true, "test", "pg1 cut off from its replica"));
        Assert.Equal(1, started.Epoch);
        var done = await Wait.UntilAsync(controller.GetStatusAsync, s => s is { Phase: FailoverPhase.Monitoring, Primary: "pg2" } || s.Halted,
            TimeSpan.FromSeconds(60), "the fenced failover to pg2", DrillTests.Describe);
        Log(await controller.GetHistoryAsync(0));
        Assert.False(done.Halted, DrillTests.Describe(done));
        var fence = (await controller.GetHistoryAsync(0)).Single(e => e.Kind == "action" && e.Phase == FailoverPhase.Fencing);
        Assert.Equal("ok", fence.Result);
        Assert.Contains("over SSH", fence.Message, StringComparison.Ordinal);
        Assert.Contains("pg1 no longer answers", fence.Message, StringComparison.Ordinal);

        // The old primary is stopped on its machine: no write reaches it; the new primary takes them.
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteAsync(servers, LocalServers.Pg1, "INSERT INTO fenced VALUES (2)"));
        await ExecuteAsync(servers, LocalServers.Pg2, "CREATE TABLE after_failover (id int); INSERT INTO after_failover VALUES (1)");
    }

    [Fact]
    public async Task SshdStopped_FenceStepHaltsAndNothingIsPromoted()
    {
        await using var servers = await LocalServers.StartAsync("postgres");
        var (controller, spec) = await ConfigureAsync(servers, attempts: 2);
        await IsolateAsync(servers);
        await cluster.StopSshdAsync();
        try
        {
            await controller.FailoverAsync(new FailoverCommand("pg2", true, "test", "pg1 cut off, its machine silent"));
            var halted = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Halted || s.Phase == FailoverPhase.Monitoring,
                TimeSpan.FromSeconds(60), "the fence step to halt", DrillTests.Describe);
            Log(await controller.GetHistoryAsync(0));
            Assert.True(halted.Halted, DrillTests.Describe(halted));
            Assert.Equal(FailoverPhase.Fencing, halted.Phase);
            Assert.Equal("pg1", halted.Primary);
            Assert.Contains("does not answer SSH", halted.LastError, StringComparison.Ordinal);
            Assert.Contains("FenceUnreachable=Halt", halted.LastError, StringComparison.Ordinal);
            Assert.Equal(spec.StepAttempts, (await controller.GetHistoryAsync(0)).Count(e => e.Kind == "action" && e.Phase == FailoverPhase.Fencing && e.Result == "failed"));
            Assert.True(await ScalarAsync<bool>(servers, LocalServers.Pg2, "SELECT pg_is_in_recovery()"), "pg2 was promoted without fencing pg1");
            Assert.False(await ScalarAsync<bool>(servers, LocalServers.Pg1, "SELECT pg_is_in_recovery()"));
        }
        finally
        {
            await cluster.StartSshdAgainAsync();
        }
    }

    private async Task<(IFailoverControllerGrain, FailoverServiceSpec)> ConfigureAsync(LocalServers servers, int attempts = 3)
    {
        var service = "pg1-" + Guid.NewGuid().ToString("N")[..8];
        File.CreateSymbolicLink(Path.Combine(cluster.LinkDir, service), Path.Combine(servers.RunDir, "pg", "pg1"));
        var spec = Specs.Postgres(servers);
        spec.Traffic = null;
        spec.Dns = null;
        spec.StepAttempts = attempts;
        spec.Primary.RemoteHost = FenceCluster.Host;
        spec.Primary.FenceService = service;
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("fence-" + service);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);
        return (controller, spec);
    }

    /// <summary>Cuts pg2's replication link: pg1 keeps running and taking writes, pg2 no longer follows.</summary>
    private static async Task IsolateAsync(LocalServers servers)
    {
        await ExecuteAsync(servers, LocalServers.Pg2, "ALTER SYSTEM SET primary_conninfo = ''");
        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_reload_conf()");
        await Wait.UntilAsync(() => ScalarAsync<long>(servers, LocalServers.Pg1, "SELECT count(*) FROM pg_stat_replication"), n => n == 0,
            TimeSpan.FromSeconds(15), "pg1 to lose its replica");
    }

    private void Log(IReadOnlyList<FailoverAuditEntry> history)
    {
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }
    }

    private static async Task ExecuteAsync(LocalServers servers, int offset, string sql)
    {
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, offset));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(LocalServers servers, int offset, string sql)
    {
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, offset));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
