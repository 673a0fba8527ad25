using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>The controller refuses to act, or halts, and says exactly why.</summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class NegativeTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Postgres_ReplicaBeyondLagLimit_NotPromotedUntilForced()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        var spec = Specs.Postgres(servers);
        spec.MaxLagBytes = 64 * 1024;
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("lag-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);

        // The replica keeps receiving WAL but stops applying it: 2 MiB of writes leave it far behind.
        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_wal_replay_pause()");
        await ExecuteAsync(servers, LocalServers.Pg1, "CREATE TABLE filler AS SELECT g, repeat('x', 1000) AS pad FROM generate_series(1, 2000) g");
        await Wait.UntilAsync(controller.GetStatusAsync, s => s.Nodes.Any(n => n.Node == "pg2" && n.LagBytes > 64 * 1024),
            TimeSpan.FromSeconds(15), "the controller to measure pg2 more than 64 KiB behind", DrillTests.Describe);

        await servers.KillAsync("pg1");
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Blocker?.Contains("no replica can be promoted", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(20), "the controller to refuse pg2 for its lag", DrillTests.Describe);
        output.WriteLine(status.Blocker);
        Assert.Contains("pg2: ", status.Blocker, StringComparison.Ordinal);
        Assert.Contains("bytes behind the primary's last known position, over the limit of 65536", status.Blocker, StringComparison.Ordinal);
        Assert.Equal(0, status.Epoch);
        Assert.Equal("pg1", status.Primary);
        Assert.True(await InRecoveryAsync(servers), "pg2 was promoted although it is beyond the lag limit");

        // An operator may still promote it, knowingly: refused without --force, audited with it.
        var refused = await Assert.ThrowsAsync<FailoverRefusedException>(() => controller.FailoverAsync(new FailoverCommand(null, false, "alice", "drill")));
        Assert.Contains("over the limit", refused.Message, StringComparison.Ordinal);
        var started = await controller.FailoverAsync(new FailoverCommand("pg2", true, "alice", "accepting the loss"));
        Assert.Equal(1, started.Epoch);
        var forced = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Monitoring, TimeSpan.FromSeconds(30),
            "the forced failover to finish", DrillTests.Describe);
        Assert.Equal("pg2", forced.Primary);
        Assert.Equal(1, forced.Epoch);
        Assert.False(await InRecoveryAsync(servers));
        Assert.Contains(await controller.GetHistoryAsync(0), e => e.Kind == "decision" && e.Message.Contains("operator alice (forced): accepting the loss", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postgres_OnlyOneOfThreeObserversCannotReachPrimary_NoFailover()
    {
        // The controller runs on the silo whose route to this primary leads to a closed port.
        await using var servers = await LocalServers.StartAsync(cluster.BlockedBase, "postgres", "haproxy", "bind");
        var controller = await cluster.ControllerOnAsync(cluster.BlockedSilo, "partition");
        await controller.ConfigureAsync(Specs.Postgres(servers));

        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Blocker?.Contains("only 1 of 3 observers", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(20), "the controller to be outvoted by the observers that reach the primary", DrillTests.Describe);
        output.WriteLine(status.Blocker);
        Assert.Equal(cluster.BlockedSilo, status.Silo);
        Assert.Contains($"{cluster.BlockedSilo} cannot", status.Blocker, StringComparison.Ordinal);
        Assert.Equal(0, status.Epoch);
        Assert.Equal(FailoverPhase.Monitoring, status.Phase);
        Assert.True(await InRecoveryAsync(servers), "pg2 was promoted on a minority's word");
        Assert.DoesNotContain(await controller.GetHistoryAsync(0), e => e.Kind == "action");
    }

    [Fact]
    public async Task Redis_WrongTsigKey_HaltsInDnsWithTheServersAnswer()
    {
        await using var servers = await LocalServers.StartAsync("redis", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var spec = Specs.Redis(servers, hook);
        var wrong = Path.Combine(servers.RunDir, "wrong.secret");
        await File.WriteAllTextAsync(wrong, Convert.ToBase64String(new byte[32]) + "\n");
        spec.Dns!.TsigSecret = new SecretReference { File = wrong };
        spec.StepAttempts = 2;
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("tsig-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 3);

        await servers.KillAsync("rd1");
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Halted, TimeSpan.FromSeconds(30), "the failover to halt", DrillTests.Describe);
        output.WriteLine(status.LastError);
        Assert.Equal(FailoverPhase.PublishingDns, status.Phase);
        Assert.Contains("refused by", status.LastError, StringComparison.Ordinal);
        Assert.Contains("BADSIG", status.LastError, StringComparison.Ordinal);
        Assert.Contains("halted in PublishingDns", status.Blocker, StringComparison.Ordinal);
        var history = await controller.GetHistoryAsync(0);
        Assert.Equal(2, history.Count(e => e.Phase == FailoverPhase.PublishingDns && e.Kind == "action" && e.Result == "failed" && e.Message.Contains("BADSIG", StringComparison.Ordinal)));
        Assert.Equal("127.0.3.1", await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "redis.vault.test"));
        await Wait.UntilAsync(() => Task.FromResult(hook.Received.ToList()), r => r.Any(h => h.Event == "failover.halted" && h.SignatureValid),
            TimeSpan.FromSeconds(10), "a signed failover.halted webhook", r => string.Join(", ", r.Select(h => h.Event)));

        // Fixed key, resumed: the halted step is retried and the failover completes with the same epoch.
        spec.Dns.TsigSecret = new SecretReference { File = servers.TsigSecretFile };
        await controller.ConfigureAsync(spec);
        Assert.False((await controller.ResumeAsync("bob")).Halted);
        var resumed = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Monitoring || s.Halted, TimeSpan.FromSeconds(30),
            "the resumed failover to finish", DrillTests.Describe);
        Assert.Equal(FailoverPhase.Monitoring, resumed.Phase);
        Assert.Equal(1, resumed.Epoch);
        Assert.Equal("127.0.3.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind2), "redis.vault.test"));
    }

    [Fact]
    public async Task Redis_WrongHaproxyAddress_HaltsBeforePromoting()
    {
        await using var servers = await LocalServers.StartAsync("redis", "bind");
        var spec = Specs.Redis(servers);
        spec.StepAttempts = 2;
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("lb-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 3);

        await servers.KillAsync("rd1");
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Halted, TimeSpan.FromSeconds(30), "the failover to halt", DrillTests.Describe);
        output.WriteLine(status.LastError);
        Assert.Equal(FailoverPhase.Fencing, status.Phase);
        Assert.Contains($"HAProxy runtime API 127.0.0.1:{servers.Port(LocalServers.HaproxyAdmin)} cannot be reached", status.LastError, StringComparison.Ordinal);
        Assert.Contains("role:slave", await DrillTests.RedisInfoAsync(servers, LocalServers.Rd2), StringComparison.Ordinal);
        Assert.Contains(await controller.GetHistoryAsync(0), e => e.Kind == "decision" && e.Result == "failed" && e.Message.StartsWith("halted in Fencing", StringComparison.Ordinal));
    }

    private static async Task ExecuteAsync(LocalServers servers, int offset, string sql)
    {
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, offset));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> InRecoveryAsync(LocalServers servers)
    {
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, LocalServers.Pg2));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
