using System.Diagnostics;
using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// The controller drives a failover one step per grain turn: an operator's call returns once the new
/// phase is persisted, however long the steps take, and status answers (and shows progress) meanwhile.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class SteppingTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Switchover_WhoseCatchUpTakesLongerThanTheResponseTimeout_ReturnsPromptlyAndStatusShowsProgressToTheEnd()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>("pgslow-" + Guid.NewGuid().ToString("N")[..8]);
        var spec = Specs.Postgres(servers);
        spec.SwitchoverCatchUpTimeout = TimeSpan.FromSeconds(50);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);

        // pg2 stops replaying WAL, then pg1 takes a write: pg2 cannot reach zero lag until replay resumes.
        await ExecuteAsync(servers, LocalServers.Pg1, "CREATE TABLE slow (id bigint PRIMARY KEY); INSERT INTO slow SELECT generate_series(1, 100)");
        await Wait.UntilAsync(() => ScalarAsync<long>(servers, LocalServers.Pg2, "SELECT count(*) FROM pg_class WHERE relname = 'slow'"), n => n == 1,
            TimeSpan.FromSeconds(10), "pg2 to replay the table");
        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_wal_replay_pause()");
        await ExecuteAsync(servers, LocalServers.Pg1, "INSERT INTO slow VALUES (101)");

        var clock = Stopwatch.StartNew();
        var returned = await controller.SwitchoverAsync(new FailoverCommand("pg2", false, "test", "a slow catch-up"));
        var callTook = clock.Elapsed;
        output.WriteLine($"switchover call returned after {callTook.TotalMilliseconds:0} ms in {returned.Phase}");
        Assert.True(callTook < TimeSpan.FromSeconds(10), $"the switchover call took {callTook.TotalSeconds:0.0} s");
        Assert.Equal(1, returned.Epoch);
        Assert.NotEqual(FailoverPhase.Monitoring, returned.Phase);

        // Hold the catch-up open past the 30 s response timeout; every status call must answer meanwhile.
        var longest = TimeSpan.Zero;
        var held = await Wait.UntilAsync(async () =>
        {
            var asked = Stopwatch.StartNew();
            var s = await controller.GetStatusAsync();
            longest = asked.Elapsed > longest ? asked.Elapsed : longest;
            return s;
        }, s => clock.Elapsed > TimeSpan.FromSeconds(32) || s.Phase is not (FailoverPhase.Fencing or FailoverPhase.CatchingUp) || s.Halted,
            TimeSpan.FromSeconds(45), "the catch-up to be held for 32 s", DrillTests.Describe);
        Assert.Equal(FailoverPhase.CatchingUp, held.Phase);
        Assert.False(held.Halted, DrillTests.Describe(held));
        Assert.Equal("pg1", held.Primary);
        Assert.Contains("pg2", held.Progress ?? "", StringComparison.Ordinal);
        Assert.True(longest < TimeSpan.FromSeconds(5), $"a status call took {longest.TotalSeconds:0.0} s while the step ran");

        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_wal_replay_resume()");
        var phases = new List<FailoverPhase>();
        var done = await Wait.UntilAsync(async () =>
        {
            var s = await controller.GetStatusAsync();
            if (phases.Count == 0 || phases[^1] != s.Phase)
            {
                phases.Add(s.Phase);
            }

            return s;
        }, s => s.Primary == "pg2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), "the switchover to pg2 to finish", DrillTests.Describe);
        output.WriteLine("phases seen after the catch-up: " + string.Join(" -> ", phases));
        Assert.Equal(1, done.Epoch);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        var catchUp = history.Single(e => e.Kind == "action" && e.Phase == FailoverPhase.CatchingUp);
        Assert.Equal("ok", catchUp.Result);
        Assert.True(catchUp.DurationMs > 30_000, $"the catch-up step took {catchUp.DurationMs:0} ms");
        Assert.Equal(101, await ScalarAsync<long>(servers, LocalServers.HaproxyPg, "SELECT count(*) FROM slow"));
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
