using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Traffic;

namespace Vault.Failover.Tests;

/// <summary>
/// HAProxy as a traffic provider against a real HAProxy (infra/scripts/servers.sh) in front of the real
/// PostgreSQL pair: the stats/admin page with user and password, a drain that waits for a real client
/// session to end, pre-flight errors, and blue-green weight switches through the runtime API.
/// </summary>
public sealed class HaproxyTrafficTests
{
    private static FailoverNodeSpec Node(LocalServers s, string name, int offset) => new() { Name = name, Host = "127.0.0.1", Port = s.Port(offset) };

    private static TrafficSpec StatsPage(LocalServers s, string? passwordFile = null) => new()
    {
        StatsUrl = $"http://127.0.0.1:{s.Port(LocalServers.HaproxyStats)}/stats",
        StatsUser = "admin",
        StatsPassword = new SecretReference { File = passwordFile ?? Path.Combine(s.RunDir, "haproxy", "stats.password") },
        Backend = "pg",
        DrainTimeout = TimeSpan.FromSeconds(1),
    };

    private static TrafficSpec Runtime(LocalServers s) => new() { RuntimeApi = $"127.0.0.1:{s.Port(LocalServers.HaproxyAdmin)}", Backend = "pg" };

    private static string Through(LocalServers s, int port) =>
        $"Host=127.0.0.1;Port={port};Username=postgres;Password={s.Password};Pooling=false;Timeout=3;Command Timeout=5";

    [Fact]
    public async Task StatsPage_Drain_WaitsForTheOpenSessionToEnd_ThenMaintAndReady()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy");
        var haproxy = new HaproxyTraffic(StatsPage(servers), TrafficProviders.HaproxyAdmin(StatsPage(servers)), TimeProvider.System);
        var pg1 = Node(servers, "pg1", LocalServers.Pg1);
        var pg2 = Node(servers, "pg2", LocalServers.Pg2);

        var preflight = await haproxy.PreflightAsync([pg1, pg2], default);
        Assert.Contains("pg1 (UP", preflight, StringComparison.Ordinal);

        // A client session through HAProxy to pg1: the drain must wait for it, bounded by DrainTimeout.
        await using (var client = new NpgsqlConnection(Through(servers, servers.Port(LocalServers.HaproxyPg))))
        {
            await client.OpenAsync();
            await Wait.UntilAsync(() => haproxy.GetStateAsync(pg1, default), s => s.Sessions == 1, TimeSpan.FromSeconds(10), "HAProxy to count the client's session on pg1");
            var timedOut = await Assert.ThrowsAsync<FailoverStepException>(() => haproxy.DrainAsync(pg1, default));
            Assert.Contains("still has 1 session(s) after draining for 1 s", timedOut.Message, StringComparison.Ordinal);
            var draining = await haproxy.GetStateAsync(pg1, default);
            Assert.StartsWith("DRAIN", draining.Status, StringComparison.Ordinal);
            Assert.False(draining.InService);

            // The drained server still serves the session it holds.
            await using var cmd = new NpgsqlCommand("SELECT 1", client);
            Assert.Equal(1, await cmd.ExecuteScalarAsync());
        }

        var drained = await haproxy.DrainAsync(pg1, default);
        Assert.Contains("drained: no session left", drained, StringComparison.Ordinal);

        Assert.Equal("HAProxy pg/pg1 in maint", await haproxy.DisableAsync(pg1, default));
        Assert.StartsWith("MAINT", (await haproxy.GetStateAsync(pg1, default)).Status, StringComparison.Ordinal);
        Assert.StartsWith("HAProxy pg/pg1 ready", await haproxy.EnableAsync(pg1, default), StringComparison.Ordinal);
        await Wait.UntilAsync(() => haproxy.GetStateAsync(pg1, default), s => s.InService, TimeSpan.FromSeconds(10), "pg1 back UP in HAProxy");
    }

    [Fact]
    public async Task StatsPage_WrongPassword_UnknownServer_AndMissingBackend_AreClearErrors()
    {
        // HAProxy alone: these errors come from HAProxy itself, whatever its backends' health.
        await using var servers = await LocalServers.StartAsync("haproxy");
        var wrongFile = Path.Combine(servers.RunDir, "wrong.password");
        await File.WriteAllTextAsync(wrongFile, "not-the-password\n");
        var wrong = StatsPage(servers, wrongFile);
        var refused = await Assert.ThrowsAsync<FailoverStepException>(() =>
            new HaproxyTraffic(wrong, TrafficProviders.HaproxyAdmin(wrong), TimeProvider.System).PreflightAsync([Node(servers, "pg1", LocalServers.Pg1)], default));
        Assert.Contains("refused the user or password", refused.Message, StringComparison.Ordinal);

        var spec = StatsPage(servers);
        var haproxy = new HaproxyTraffic(spec, TrafficProviders.HaproxyAdmin(spec), TimeProvider.System);
        var ghost = new FailoverNodeSpec { Name = "pg9", Host = "127.0.0.1", Port = 1 };
        var missing = await Assert.ThrowsAsync<FailoverStepException>(() => haproxy.PreflightAsync([Node(servers, "pg1", LocalServers.Pg1), ghost], default));
        Assert.Contains("backend pg has no server pg9", missing.Message, StringComparison.Ordinal);
        var errp = await Assert.ThrowsAsync<FailoverStepException>(() => haproxy.EnableAsync(ghost, default));
        Assert.Contains("st=ERRP", errp.Message, StringComparison.Ordinal);

        var noBackend = StatsPage(servers);
        noBackend.Backend = "nope";
        var none = await Assert.ThrowsAsync<FailoverStepException>(() =>
            new HaproxyTraffic(noBackend, TrafficProviders.HaproxyAdmin(noBackend), TimeProvider.System).PreflightAsync([], default));
        Assert.Contains("has no backend 'nope'", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlueGreen_WeightsMoveInSteps_AndComplete()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy");
        var haproxy = new HaproxyTraffic(Runtime(servers), TrafficProviders.HaproxyAdmin(Runtime(servers)), TimeProvider.System);
        await haproxy.EnableAsync(Node(servers, "pg2", LocalServers.Pg2), default);
        var seen = new List<int>();
        var progress = new List<string>();
        var mover = new WeightStepMover(haproxy, TimeProvider.System);
        var result = await mover.RunAsync(new WeightSwitchPlan(["pg1"], ["pg2"], [10, 50, 100], TimeSpan.FromMilliseconds(100)),
            async ct =>
            {
                seen.Add(await haproxy.GetWeightAsync("pg2", ct));
                return await PingAsync(servers, LocalServers.Pg2);
            },
            new SyncProgress(progress.Add), default);

        Assert.True(result.Completed, result.Outcome);
        Assert.Equal([1, 10, 50, 100], seen);
        Assert.Equal(100, await haproxy.GetWeightAsync("pg2", default));
        Assert.Equal(0, await haproxy.GetWeightAsync("pg1", default));
        Assert.Equal(result.Steps, progress);
        Assert.Contains("50% to pg2, 50% to pg1", result.Steps);
    }

    [Fact]
    public async Task BlueGreen_GreenFailsItsCheckMidway_WeightsRollBack()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy");
        var haproxy = new HaproxyTraffic(Runtime(servers), TrafficProviders.HaproxyAdmin(Runtime(servers)), TimeProvider.System);
        await haproxy.EnableAsync(Node(servers, "pg2", LocalServers.Pg2), default);
        var checks = 0;
        var result = await new WeightStepMover(haproxy, TimeProvider.System).RunAsync(
            new WeightSwitchPlan(["pg1"], ["pg2"], [10, 50, 100], TimeSpan.Zero),
            async ct =>
            {
                if (++checks == 2)
                {
                    // Green dies while it holds 10% of the traffic.
                    await servers.KillAsync("pg2");
                }

                return await PingAsync(servers, LocalServers.Pg2);
            },
            new SyncProgress(_ => { }), default);

        Assert.False(result.Completed);
        Assert.True(result.RolledBack);
        Assert.StartsWith("rolled back at 10%", result.Outcome, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Steps, s => s.StartsWith("50%", StringComparison.Ordinal));
        Assert.Equal(1, await haproxy.GetWeightAsync("pg1", default));
        Assert.Equal(1, await haproxy.GetWeightAsync("pg2", default));
    }

    private static async Task<string?> PingAsync(LocalServers servers, int offset)
    {
        try
        {
            await using var c = new NpgsqlConnection(Through(servers, servers.Port(offset)));
            await c.OpenAsync();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            return e.Message;
        }
    }
}

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the pool).</summary>
public sealed class SyncProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}
