using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// The failover controller moving traffic through open-source Nginx (Traffic:Kind Nginx) on real servers:
/// nginx runs as the SSH account of the fence cluster's sshd and fronts the PostgreSQL pair with a stream
/// upstream. The primary is killed; the controller promotes the replica, rewrites the upstream over SFTP,
/// checks and reloads nginx, and verifies that a query through nginx reaches the new primary.
/// </summary>
[Collection(FenceCollection.Name)]
public sealed class NginxFailoverDrillTests(FenceCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task PrimaryKilled_ControllerPromotes_AndMovesTrafficThroughNginx()
    {
        await using var servers = await LocalServers.StartWithAsync(new Dictionary<string, string> { ["NGINX_USER"] = "postgres" }, "postgres", "nginx");
        var dir = Path.Combine(servers.RunDir, "nginx");
        var conf = $"-c {dir}/nginx.conf -e {dir}/error.log";
        var through = $"127.0.0.1:{servers.Port(LocalServers.NginxPg)}";
        var spec = Specs.Postgres(servers);
        spec.Dns = null;
        spec.Webhooks = [];
        spec.Traffic = new TrafficSpec
        {
            Kind = TrafficKind.Nginx,
            RemoteHost = FenceCluster.Host,
            UpstreamFile = $"{dir}/upstream.conf",
            Upstream = "pg",
            TestCommand = $"/usr/sbin/nginx -t -q {conf}",
            ReloadCommand = $"/usr/sbin/nginx -s reload {conf}",
            CheckEndpoint = through,
            Timeout = TimeSpan.FromSeconds(10),
        };
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("nginx-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);
        var ready = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Traffic is not null, TimeSpan.FromSeconds(30), "the traffic pre-flight in status", DrillTests.Describe);
        Assert.StartsWith("ok: Nginx upstream pg", ready.Traffic, StringComparison.Ordinal);

        await servers.KillAsync("pg1");
        var done = await Wait.UntilAsync(controller.GetStatusAsync, s => s is { Phase: FailoverPhase.Monitoring, Primary: "pg2" } || s.Halted,
            TimeSpan.FromSeconds(90), "the failover to pg2 through nginx", DrillTests.Describe);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        Assert.False(done.Halted, DrillTests.Describe(done));
        var traffic = history.Single(e => e.Kind == "action" && e.Phase == FailoverPhase.EnablingTraffic && e.Result == "ok");
        Assert.Contains("checked and reloaded", traffic.Message, StringComparison.Ordinal);
        Assert.Contains($"a query through {through} reached a primary", traffic.Message, StringComparison.Ordinal);
        var file = await File.ReadAllTextAsync(spec.Traffic.UpstreamFile);
        Assert.Contains($"server 127.0.0.1:{servers.Port(LocalServers.Pg1)} down;", file, StringComparison.Ordinal);
        Assert.Contains($"server 127.0.0.1:{servers.Port(LocalServers.Pg2)};", file, StringComparison.Ordinal);

        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={servers.Port(LocalServers.NginxPg)};Username=postgres;Password={servers.Password};Pooling=false;Timeout=3");
        await connection.OpenAsync();
        await using var write = new NpgsqlCommand("CREATE TABLE through_nginx (id int); INSERT INTO through_nginx VALUES (1); SELECT pg_is_in_recovery()", connection);
        Assert.Equal(false, await write.ExecuteScalarAsync());
    }
}
