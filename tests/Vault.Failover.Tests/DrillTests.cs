using System.Globalization;
using MySqlConnector;
using Npgsql;
using StackExchange.Redis;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// kill -9 of the primary of a real replicated server, with HAProxy, two BIND servers and a webhook
/// receiver around it: exactly one promotion, traffic and DNS moved, a signed notice, a complete audit.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class DrillTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Postgres_PrimaryKilled_ReplicaPromotedAndTrafficDnsMoved()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        await DrillAsync("postgres", servers, hook, Specs.Postgres(servers, hook), "pg1", "pg2", "pg", "127.0.1.2");

        await using var connection = new NpgsqlConnection(Pg(servers, LocalServers.HaproxyPg));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery(), inet_server_port()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.False(reader.GetBoolean(0), "the server behind HAProxy is still in recovery");
        Assert.Equal(servers.Port(LocalServers.Pg2), reader.GetInt32(1));
    }

    [Fact]
    public async Task Redis_PrimaryKilled_ReplicaPromotedOthersRepointedAndNoFlapInsideBlockPeriod()
    {
        await using var servers = await LocalServers.StartAsync("redis", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var controller = await DrillAsync("redis", servers, hook, Specs.Redis(servers, hook), "rd1", "rd2", "redis", "127.0.3.2");

        var info = await RedisInfoAsync(servers, LocalServers.HaproxyRedis);
        Assert.Contains("role:master", info, StringComparison.Ordinal);
        Assert.Contains($"tcp_port:{servers.Port(LocalServers.Rd2)}", await RedisInfoAsync(servers, LocalServers.HaproxyRedis, "server"), StringComparison.Ordinal);
        await Wait.UntilAsync(() => RedisInfoAsync(servers, LocalServers.Rd3), i => i.Contains($"master_port:{servers.Port(LocalServers.Rd2)}", StringComparison.Ordinal)
            && i.Contains("master_link_status:up", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "rd3 to replicate from rd2");

        // The new primary dies too, inside the block period: the controller must stay put and say why.
        await servers.KillAsync("rd2");
        var status = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Blocker?.Contains("blocked until", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(20), "the controller to refuse a second failover inside the block period", Describe);
        Assert.Equal("rd2", status.Primary);
        Assert.Equal(1, status.Epoch);
        Assert.Contains("role:slave", await RedisInfoAsync(servers, LocalServers.Rd3), StringComparison.Ordinal);
        Assert.Contains(await controller.GetHistoryAsync(0), e => e.Result == "refused" && e.Message.Contains("blocked until", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MariaDb_PrimaryKilled_ReplicaPromotedAndTrafficDnsMoved()
    {
        await using var servers = await LocalServers.StartAsync("mariadb", "haproxy", "bind");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        await using (var primary = new MySqlConnection(My(servers, LocalServers.My1)))
        {
            await primary.OpenAsync();
            await using var create = new MySqlCommand("CREATE TABLE drill.t (id INT PRIMARY KEY); INSERT INTO drill.t VALUES (1),(2),(3);", primary);
            await create.ExecuteNonQueryAsync();
        }

        await DrillAsync("mariadb", servers, hook, Specs.MariaDb(servers, hook), "my1", "my2", "mariadb", "127.0.2.2", "my");

        await using var connection = new MySqlConnection(My(servers, LocalServers.HaproxyMy));
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT @@port, @@read_only, (SELECT COUNT(*) FROM drill.t)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(servers.Port(LocalServers.My2), reader.GetInt32(0));
        Assert.Equal(0, reader.GetInt32(1));
        Assert.Equal(3, reader.GetInt32(2));
    }

    [Fact]
    public async Task PostgresSynchronous_PrimaryKilledUnderLoad_NoAcknowledgedWriteLost()
    {
        await using var servers = await LocalServers.StartAsync("postgres-sync", "haproxy", "bind");
        await using (var setup = new NpgsqlConnection(Pg(servers, LocalServers.Pg1)))
        {
            await setup.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE acked (id bigint PRIMARY KEY)", setup);
            await create.ExecuteNonQueryAsync();
        }

        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("pgsync-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(Specs.Postgres(servers));
        await WaitHealthyAsync(controller, 2);

        // A writer commits one row per transaction and counts only the commits the server acknowledged.
        long acknowledged = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                await using var connection = new NpgsqlConnection(Pg(servers, LocalServers.Pg1));
                await connection.OpenAsync();
                for (long id = 1; !stop.IsCancellationRequested; id++)
                {
                    await using var insert = new NpgsqlCommand("INSERT INTO acked VALUES (@id)", connection);
                    insert.Parameters.AddWithValue("id", id);
                    await insert.ExecuteNonQueryAsync();
                    acknowledged = id;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
            {
                // The primary died under the writer: everything before this insert was acknowledged.
            }
        });
        await Wait.UntilAsync(() => Task.FromResult(Interlocked.Read(ref acknowledged)), n => n >= 200, TimeSpan.FromSeconds(20), "200 acknowledged inserts");
        await servers.KillAsync("pg1");
        await writer.WaitAsync(TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(controller.GetStatusAsync, s => s.Primary == "pg2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), "the failover to pg2", Describe);

        await using var check = new NpgsqlConnection(Pg(servers, LocalServers.HaproxyPg));
        await check.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), coalesce(max(id), 0) FROM acked", check);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        output.WriteLine($"acknowledged {acknowledged}, found {reader.GetInt64(0)} rows (max id {reader.GetInt64(1)}) on the new primary");
        Assert.True(reader.GetInt64(0) >= acknowledged, $"{acknowledged} inserts were acknowledged but the new primary has {reader.GetInt64(0)}");
    }

    private async Task<IFailoverControllerGrain> DrillAsync(string engine, LocalServers servers, WebhookSink hook, FailoverServiceSpec spec,
        string oldPrimary, string newPrimary, string backend, string newAddress, string? dnsLabel = null)
    {
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>($"{engine}-{Guid.NewGuid():N}"[..20]);
        await controller.ConfigureAsync(spec);
        await WaitHealthyAsync(controller, spec.Replicas.Count + 1);

        var killed = DateTimeOffset.UtcNow;
        await servers.KillAsync(oldPrimary);
        var status = await Wait.UntilAsync(controller.GetStatusAsync,
            s => s.Primary == newPrimary && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), $"the failover from {oldPrimary} to {newPrimary}", Describe);
        Assert.Equal(1, status.Epoch);
        Assert.False(status.Halted);
        Assert.Contains(status.Fenced, f => f.Node == oldPrimary && f.Epoch == 1);

        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        var decisions = history.Where(e => e.Kind == "decision" && e.Message.StartsWith("failover from", StringComparison.Ordinal)).ToList();
        Assert.True(decisions.Count == 1, $"expected one failover decision, saw {decisions.Count}: {string.Join(" | ", decisions.Select(d => d.Message))}");
        foreach (var phase in new[] { FailoverPhase.Fencing, FailoverPhase.CatchingUp, FailoverPhase.Promoting, FailoverPhase.Repointing,
                     FailoverPhase.EnablingTraffic, FailoverPhase.PublishingDns, FailoverPhase.Notifying })
        {
            Assert.Contains(history, e => e.Kind == "action" && e.Phase == phase && e.Result == "ok" && e.Epoch == 1);
        }

        Assert.Single(history, e => e.Kind == "action" && e.Phase == FailoverPhase.Promoting && e.Result == "ok");
        var completed = history.Single(e => e.Kind == "decision" && e.Message.Contains("completed", StringComparison.Ordinal));
        var detection = decisions[0].At - killed;
        var total = completed.At - killed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DRILL {engine}: detection {detection.TotalSeconds:0.00} s, kill to traffic and DNS moved {total.TotalSeconds:0.00} s"));
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "vault-failover-timings.txt"), string.Create(CultureInfo.InvariantCulture,
            $"{DateTimeOffset.UtcNow:O} {engine} detection_s={detection.TotalSeconds:0.00} total_s={total.TotalSeconds:0.00}\n"));

        // HAProxy: old server in maint, new one up (its health check may need a moment after 'ready').
        var stat = await Wait.UntilAsync(() => Checks.HaproxyStatAsync(servers.Port(LocalServers.HaproxyAdmin)),
            st => st[$"{backend}/{newPrimary}"].StartsWith("UP", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
            $"HAProxy to report {backend}/{newPrimary} UP", st => string.Join(", ", st.Select(p => $"{p.Key}={p.Value}")));
        Assert.StartsWith("MAINT", stat[$"{backend}/{oldPrimary}"], StringComparison.Ordinal);

        // DNS: both servers answer the new address (the controller waited for that; check independently).
        Assert.Equal(newAddress, await Checks.DnsAsync(servers.Port(LocalServers.Bind1), $"{dnsLabel ?? backend}.vault.test"));
        Assert.Equal(newAddress, await Checks.DnsAsync(servers.Port(LocalServers.Bind2), $"{dnsLabel ?? backend}.vault.test"));

        var notice = hook.Received.Single(r => r.Event == "failover.completed");
        Assert.True(notice.SignatureValid, "the webhook's signature does not verify");
        Assert.Equal(1, notice.Body.GetProperty("epoch").GetInt64());
        Assert.Equal(newPrimary, notice.Body.GetProperty("newPrimary").GetString());
        return controller;
    }

    internal static async Task WaitHealthyAsync(IFailoverControllerGrain controller, int nodes) =>
        await Wait.UntilAsync(controller.GetStatusAsync,
            s => s.Nodes.Count == nodes && s.Nodes.All(n => n.Reachable) && s.Nodes.Count(n => n.Role == NodeRole.Primary) == 1
                && s.Nodes.Where(n => n.Role == NodeRole.Replica).All(n => n.LagBytes is not null && n.LagSeconds is not null && n.LinkUp),
            TimeSpan.FromSeconds(20), "the controller to see a healthy primary and replicas with known lag", Describe);

    internal static string Describe(FailoverStatus s) =>
        $"phase {s.Phase}{(s.Halted ? " (halted)" : "")}, epoch {s.Epoch}, primary {s.Primary}, failures {s.ConsecutiveFailures}, blocker '{s.Blocker}', error '{s.LastError}', nodes " +
        string.Join("; ", s.Nodes.Select(n => $"{n.Node} {(n.Reachable ? n.Role.ToString() : "down")} pos {n.Position} lag {n.LagBytes}B/{n.LagSeconds}s link {n.LinkUp} {n.Error}"));

    internal static string Pg(LocalServers s, int offset) =>
        $"Host=127.0.0.1;Port={s.Port(offset)};Username=postgres;Password={s.Password};Database=postgres;Timeout=3;Pooling=false";

    internal static string My(LocalServers s, int offset) =>
        $"Server=127.0.0.1;Port={s.Port(offset)};User ID=vault;Password={s.Password};Pooling=false;Connection Timeout=3";

    internal static async Task<string> RedisInfoAsync(LocalServers s, int offset, string section = "replication")
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { $"127.0.0.1:{s.Port(offset)}" },
            Password = s.Password,
            AllowAdmin = true,
            ConnectTimeout = 2000,
        });
        return await redis.GetServer(redis.GetEndPoints()[0]).InfoRawAsync(section) ?? "";
    }
}
