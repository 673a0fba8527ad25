using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// Synchronous replication managed by the controller, on a real synchronous PostgreSQL pair: the replica
/// carries a synchronous_standby_names that names the primary (as a configuration copied between nodes
/// would), so after its promotion every commit would wait for a standby that is gone. The controller sets
/// the list to the surviving replicas; with none left it empties it (policy Degrade) and sends a critical
/// alert, and writing goes on.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class SynchronousTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task SynchronousPrimaryKilled_NewPrimaryStopsWaitingForTheLostStandby_AlertsAndKeepsTakingWrites()
    {
        await using var servers = await LocalServers.StartAsync("postgres-sync");
        using var hook = new WebhookSink(servers.Port(LocalServers.Webhook), Specs.WebhookSecret);
        var spec = Specs.Postgres(servers, hook);
        spec.Traffic = null;
        spec.Dns = null;
        spec.SynchronousMode = true;
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("pgsync-" + Guid.NewGuid().ToString("N")[..8]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);
        Assert.Equal("FIRST 1 (pg2)", await ScalarAsync<string>(servers, LocalServers.Pg1, "SHOW synchronous_standby_names"));
        await ExecuteAsync(servers, LocalServers.Pg2, "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (pg1)'");
        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_reload_conf()");
        await ExecuteAsync(servers, LocalServers.Pg1, "CREATE TABLE sync_writes (id int PRIMARY KEY); INSERT INTO sync_writes SELECT generate_series(1, 100)");

        await servers.KillAsync("pg1");
        var done = await Wait.UntilAsync(controller.GetStatusAsync, s => s is { Phase: FailoverPhase.Monitoring, Primary: "pg2" } || s.Halted,
            TimeSpan.FromSeconds(60), "the failover to pg2", DrillTests.Describe);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        Assert.False(done.Halted, DrillTests.Describe(done));
        Assert.Equal("", await ScalarAsync<string>(servers, LocalServers.Pg2, "SHOW synchronous_standby_names"));
        Assert.Contains(history, e => e.Phase == FailoverPhase.Promoting && e.Result == "ok" && e.Message.Contains("CRITICAL: no synchronous standby", StringComparison.Ordinal));
        await Wait.UntilAsync(() => Task.FromResult(hook.Received.ToList()), r => r.Any(h => h.Event == "failover.sync-standby-lost" && h.SignatureValid),
            TimeSpan.FromSeconds(10), "a signed failover.sync-standby-lost alert", r => string.Join(", ", r.Select(h => h.Event)));

        // Writing goes on: each commit returns (a commit waiting for the lost standby would hit the 5 s limit).
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, LocalServers.Pg2) + ";Command Timeout=5");
        await connection.OpenAsync();
        for (var i = 101; i <= 300; i++)
        {
            await using var insert = new NpgsqlCommand($"INSERT INTO sync_writes VALUES ({i})", connection);
            await insert.ExecuteNonQueryAsync();
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM sync_writes", connection);
        Assert.Equal(300L, await count.ExecuteScalarAsync());
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
