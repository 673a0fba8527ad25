using MySqlConnector;
using Npgsql;
using StackExchange.Redis;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// Planned switchover on real servers: the primary is healthy and writes have just landed on it; the
/// controller waits for zero lag, then moves the primary, HAProxy and DNS — and no write is lost.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class SwitchoverTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Postgres_Switchover_MovesPrimaryTrafficAndDns_WithoutLosingWrites()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("pgswitch-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(Specs.Postgres(servers, hook));
        await DrillTests.WaitHealthyAsync(controller, 2);

        await using (var primary = new NpgsqlConnection(DrillTests.Pg(servers, LocalServers.Pg1)))
        {
            await primary.OpenAsync();
            await using var write = new NpgsqlCommand("CREATE TABLE planned (id bigint PRIMARY KEY); INSERT INTO planned SELECT generate_series(1, 5000)", primary);
            await write.ExecuteNonQueryAsync();
        }

        var status = await controller.SwitchoverAsync(new FailoverCommand("pg2", false, "test", "planned maintenance of pg1"));
        status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Primary == "pg2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), "the switchover to pg2", DrillTests.Describe);
        Assert.Equal(1, status.Epoch);
        Log(await controller.GetHistoryAsync(0));

        await using var through = new NpgsqlConnection(DrillTests.Pg(servers, LocalServers.HaproxyPg));
        await through.OpenAsync();
        await using var check = new NpgsqlCommand("SELECT pg_is_in_recovery(), inet_server_port(), (SELECT count(*) FROM planned)", through);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.False(reader.GetBoolean(0), "the server behind HAProxy is still in recovery");
        Assert.Equal(servers.Port(LocalServers.Pg2), reader.GetInt32(1));
        Assert.Equal(5000, reader.GetInt64(2));
        Assert.Equal("127.0.1.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "pg.vault.test"));
        Assert.Equal("127.0.1.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind2), "pg.vault.test"));
        var stat = await Checks.HaproxyStatAsync(servers.Port(LocalServers.HaproxyAdmin));
        Assert.StartsWith("MAINT", stat["pg/pg1"], StringComparison.Ordinal);
        Assert.Single(hook.Received, r => r.Event == "failover.completed" && r.SignatureValid);
    }

    [Fact]
    public async Task Redis_Switchover_WaitsForZeroLag_LosesNoWrite_AndRepointsTheOtherReplica()
    {
        await using var servers = await LocalServers.StartAsync("redis", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("rdswitch-" + Guid.NewGuid().ToString("N")[..8]);
        var spec = Specs.Redis(servers, hook);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, spec.Replicas.Count + 1);

        await using (var primary = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"127.0.0.1:{servers.Port(LocalServers.Rd1)}" },
            Password = servers.Password,
        }))
        {
            var db = primary.GetDatabase();
            await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => db.StringSetAsync($"planned:{i}", i)));
        }

        await controller.SwitchoverAsync(new FailoverCommand("rd2", false, "test", "planned"));
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Primary == "rd2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), "the switchover to rd2", DrillTests.Describe);
        Assert.Equal(1, status.Epoch);
        var history = await controller.GetHistoryAsync(0);
        Log(history);
        Assert.Contains(history, e => e.Kind == "action" && e.Phase == FailoverPhase.CatchingUp && e.Result == "ok");

        await using var through = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"127.0.0.1:{servers.Port(LocalServers.HaproxyRedis)}" },
            Password = servers.Password,
        });
        var values = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => through.GetDatabase().StringGetAsync($"planned:{i}")));
        Assert.All(values.Select((v, i) => (v, i)), p => Assert.Equal(p.i.ToString(), p.v.ToString()));
        Assert.Contains($"tcp_port:{servers.Port(LocalServers.Rd2)}", await DrillTests.RedisInfoAsync(servers, LocalServers.HaproxyRedis, "server"), StringComparison.Ordinal);
        await Wait.UntilAsync(() => DrillTests.RedisInfoAsync(servers, LocalServers.Rd3),
            i => i.Contains($"master_port:{servers.Port(LocalServers.Rd2)}", StringComparison.Ordinal) && i.Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "rd3 to replicate from rd2");
        Assert.Equal("127.0.3.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "redis.vault.test"));
    }

    [Fact]
    public async Task MariaDb_Switchover_LosesNoWrite_AndTheOldPrimaryFollowsTheNewOneByGtid()
    {
        await using var servers = await LocalServers.StartAsync("mariadb", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("myswitch-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(Specs.MariaDb(servers, hook));
        await DrillTests.WaitHealthyAsync(controller, 2);
        await using (var primary = new MySqlConnection(DrillTests.My(servers, LocalServers.My1)))
        {
            await primary.OpenAsync();
            await using var write = new MySqlCommand(
                "CREATE TABLE drill.planned (id INT PRIMARY KEY); INSERT INTO drill.planned SELECT seq FROM drill.seq_1_to_3000;", primary);
            await write.ExecuteNonQueryAsync();
        }

        await controller.SwitchoverAsync(new FailoverCommand("my2", false, "test", "planned"));
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Primary == "my2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), "the switchover to my2", DrillTests.Describe);
        Assert.Equal(1, status.Epoch);
        Log(await controller.GetHistoryAsync(0));

        await using (var through = new MySqlConnection(DrillTests.My(servers, LocalServers.HaproxyMy)))
        {
            await through.OpenAsync();
            await using var check = new MySqlCommand("SELECT @@port, @@read_only, (SELECT COUNT(*) FROM drill.planned)", through);
            await using var reader = await check.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(servers.Port(LocalServers.My2), reader.GetInt32(0));
            Assert.Equal(0, reader.GetInt32(1));
            Assert.Equal(3000, reader.GetInt64(2));
        }

        // The old primary was re-pointed (GTID): a row written on the new primary reaches it.
        await using (var fresh = new MySqlConnection(DrillTests.My(servers, LocalServers.My2)))
        {
            await fresh.OpenAsync();
            await using var insert = new MySqlCommand("INSERT INTO drill.planned VALUES (3001)", fresh);
            await insert.ExecuteNonQueryAsync();
        }

        await Wait.UntilAsync(async () =>
        {
            await using var old = new MySqlConnection(DrillTests.My(servers, LocalServers.My1));
            await old.OpenAsync();
            await using var count = new MySqlCommand("SELECT COUNT(*) FROM drill.planned", old);
            return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }, n => n == 3001, TimeSpan.FromSeconds(15), "the old primary my1 to replicate the new row from my2");
        Assert.Equal("127.0.2.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "my.vault.test"));
    }

    private void Log(IReadOnlyList<FailoverAuditEntry> history)
    {
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }
    }
}
