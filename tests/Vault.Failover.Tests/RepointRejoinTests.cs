using MySqlConnector;
using StackExchange.Redis;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// Rejoin of MariaDB and Redis on real servers: after an operator failover from a live primary (fenced by making it
/// read-only / pausing its writes), `rejoin` points the old primary at the new one (CHANGE MASTER … MASTER_USE_GTID =
/// slave_pos; START SLAVE, or REPLICAOF), verifies its link is up, and a row or key written on the new primary reaches it.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class RepointRejoinTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task MariaDb_OldPrimaryRejoins_ReplicatesANewRow()
    {
        await using var servers = await LocalServers.StartAsync("mariadb");
        var spec = Specs.MariaDb(servers);
        spec.Traffic = null;
        spec.Dns = null;
        var controller = await FailOverAsync(spec, "my2");

        await controller.RejoinAsync(new RejoinCommand("my1", "test", "drill"));
        await WaitRejoinedAsync(controller, "my1", "my2");
        await using (var primary = new MySqlConnection(DrillTests.My(servers, LocalServers.My2)))
        {
            await primary.OpenAsync();
            await using var write = new MySqlCommand("CREATE TABLE drill.after_rejoin (id int PRIMARY KEY); INSERT INTO drill.after_rejoin VALUES (42)", primary);
            await write.ExecuteNonQueryAsync();
        }

        await using var replica = new MySqlConnection(DrillTests.My(servers, LocalServers.My1));
        await replica.OpenAsync();
        await Wait.UntilAsync(async () =>
        {
            await using var read = new MySqlCommand("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'drill' AND table_name = 'after_rejoin'", replica);
            return Convert.ToInt64(await read.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }, n => n == 1, TimeSpan.FromSeconds(15), "my1 to replicate the table written on my2");
        await using var row = new MySqlCommand("SELECT id FROM drill.after_rejoin", replica);
        Assert.Equal(42, Convert.ToInt32(await row.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        await using var readOnly = new MySqlCommand("SELECT @@GLOBAL.read_only", replica);
        Assert.Equal(1, Convert.ToInt32(await readOnly.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Redis_OldMasterRejoins_ReplicatesANewKey()
    {
        await using var servers = await LocalServers.StartAsync("redis");
        var spec = Specs.Redis(servers);
        spec.Traffic = null;
        spec.Dns = null;
        var controller = await FailOverAsync(spec, "rd2");

        await controller.RejoinAsync(new RejoinCommand("rd1", "test", "drill"));
        await WaitRejoinedAsync(controller, "rd1", "rd2");
        Assert.Contains("master_link_status:up", await DrillTests.RedisInfoAsync(servers, LocalServers.Rd1), StringComparison.Ordinal);
        await using var primary = await ConnectAsync(servers, LocalServers.Rd2);
        await primary.GetDatabase().StringSetAsync("after-rejoin", "42");
        await using var replica = await ConnectAsync(servers, LocalServers.Rd1);
        await Wait.UntilAsync(async () => (string?)await replica.GetDatabase().StringGetAsync("after-rejoin"), v => v == "42",
            TimeSpan.FromSeconds(15), "rd1 to replicate the key written on rd2");
    }

    private async Task<IFailoverControllerGrain> FailOverAsync(FailoverServiceSpec spec, string to)
    {
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("rejoin-" + spec.Engine + "-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, spec.Replicas.Count + 1);
        await controller.FailoverAsync(new FailoverCommand(to, true, "test", "drill"));
        var done = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Monitoring && s.Primary == to || s.Halted,
            TimeSpan.FromSeconds(60), $"the failover to {to}", DrillTests.Describe);
        Assert.False(done.Halted, DrillTests.Describe(done));
        return controller;
    }

    private async Task WaitRejoinedAsync(IFailoverControllerGrain controller, string node, string primary)
    {
        var done = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Monitoring || s.Halted,
            TimeSpan.FromSeconds(60), $"the rejoin of {node}", DrillTests.Describe);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        Assert.False(done.Halted, DrillTests.Describe(done));
        Assert.Equal(primary, done.Primary);
        Assert.DoesNotContain(done.Fenced, f => f.Node == node);
        Assert.Contains(history, e => e.Phase == FailoverPhase.RejoinVerifying && e.Result == "ok" && e.Message.Contains("link up", StringComparison.Ordinal));
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(LocalServers s, int offset) =>
        await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"127.0.0.1:{s.Port(offset)}" },
            Password = s.Password,
            ConnectTimeout = 2000,
        });
}
