using System.Diagnostics;
using Npgsql;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// The PostgreSQL drill of fencing and rejoin on a real synchronous pair and a real sshd (as the postgres account):
/// the primary is cut off from its replica and keeps writing on its own (so the timelines diverge); the failover
/// stops it over SSH and promotes the replica, which keeps committing although its synchronous standby is gone;
/// then `rejoin` rewinds the old primary with pg_rewind, starts it as a standby of the new primary and names it
/// again in synchronous_standby_names, and a row written on the new primary reaches it.
/// </summary>
[Collection(FenceCollection.Name)]
public sealed class RejoinTests(FenceCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task IsolatedSynchronousPrimary_Fenced_Promoted_ThenRewoundAndRejoined_ReplicatesAndIsSynchronousAgain()
    {
        await using var servers = await LocalServers.StartAsync("postgres-sync");
        var pgdir = Path.Combine(servers.RunDir, "pg");
        var passfile = Path.Combine(pgdir, "rejoin.pgpass");
        await File.WriteAllTextAsync(passfile, $"*:*:*:*:{servers.Password}\n");
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await ExecAsync("chown", "postgres:postgres", passfile);

        var service = "rejoin-" + Guid.NewGuid().ToString("N")[..8];
        File.CreateSymbolicLink(Path.Combine(cluster.LinkDir, service), Path.Combine(pgdir, "pg1"));
        var spec = Specs.Postgres(servers);
        spec.Traffic = null;
        spec.Dns = null;
        spec.SynchronousMode = true;
        spec.ReplicationUser = "replicator";
        spec.Primary.RemoteHost = FenceCluster.Host;
        spec.Primary.FenceService = service;
        spec.Primary.DataDirectory = Path.Combine(pgdir, "pg1");
        spec.Rejoin.PassFile = passfile;
        spec.Rejoin.StartCommand = $"{{bin}}/pg_ctl -D {{pgdata}} -l {pgdir}/pg1-rejoin.log -w -t 60 -o '-p {{port}} -c listen_addresses=127.0.0.1 -k {pgdir}' start";
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>(service);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);

        // (a) pg1 loses its replica but still runs and commits locally: its WAL runs past the point pg2 will fork from.
        await ExecuteAsync(servers, LocalServers.Pg2, "ALTER SYSTEM SET primary_conninfo = ''");
        await ExecuteAsync(servers, LocalServers.Pg2, "SELECT pg_reload_conf()");
        await Wait.UntilAsync(() => ScalarAsync<long>(servers, LocalServers.Pg1, "SELECT count(*) FROM pg_stat_replication"), n => n == 0,
            TimeSpan.FromSeconds(15), "pg1 to lose its replica");
        await ExecuteAsync(servers, LocalServers.Pg1, "SET synchronous_commit = local; CREATE TABLE lost_on_pg1 (id int); INSERT INTO lost_on_pg1 SELECT generate_series(1, 5000)");

        await controller.FailoverAsync(new FailoverCommand("pg2", true, "test", "pg1 cut off from its replica"));
        var failedOver = await Wait.UntilAsync(controller.GetStatusAsync, s => s is { Phase: FailoverPhase.Monitoring, Primary: "pg2" } || s.Halted,
            TimeSpan.FromSeconds(60), "the fenced failover to pg2", DrillTests.Describe);
        Assert.False(failedOver.Halted, DrillTests.Describe(failedOver));
        Assert.Contains(failedOver.Fenced, f => f.Node == "pg1");
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteAsync(servers, LocalServers.Pg1, "INSERT INTO lost_on_pg1 VALUES (0)"));

        // (c) synchronous mode: pg2 has no standby left, so its list is emptied and commits do not block.
        Assert.Equal("", await ScalarAsync<string>(servers, LocalServers.Pg2, "SHOW synchronous_standby_names"));
        await ExecuteAsync(servers, LocalServers.Pg2, "CREATE TABLE after_failover (id int PRIMARY KEY)");
        await using (var writer = new NpgsqlConnection(DrillTests.Pg(servers, LocalServers.Pg2) + ";Command Timeout=5"))
        {
            await writer.OpenAsync();
            for (var i = 1; i <= 200; i++)
            {
                await using var insert = new NpgsqlCommand($"INSERT INTO after_failover VALUES ({i})", writer);
                await insert.ExecuteNonQueryAsync();
            }
        }

        // (b) rejoin: stop (already fenced), pg_rewind from pg2, standby.signal + primary_conninfo, start, verify.
        var started = await controller.RejoinAsync(new RejoinCommand("pg1", "test", "drill"));
        Assert.Equal(FailoverKind.Rejoin, started.Kind);
        Assert.Equal("pg1", started.Target);
        var rejoined = await Wait.UntilAsync(controller.GetStatusAsync, s => s.Phase == FailoverPhase.Monitoring || s.Halted,
            TimeSpan.FromSeconds(90), "the rejoin of pg1", DrillTests.Describe);
        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        Assert.False(rejoined.Halted, DrillTests.Describe(rejoined));
        Assert.Equal("pg2", rejoined.Primary);
        Assert.DoesNotContain(rejoined.Fenced, f => f.Node == "pg1");
        Assert.Contains(history, e => e.Phase == FailoverPhase.RejoinRewinding && e.Result == "ok" && e.Message.Contains("pg_rewind", StringComparison.Ordinal));
        Assert.Contains(history, e => e.Kind == "decision" && e.Message.StartsWith("rejoin completed: pg1 is a replica of pg2", StringComparison.Ordinal));
        Assert.True(await ScalarAsync<bool>(servers, LocalServers.Pg1, "SELECT pg_is_in_recovery()"));
        Assert.Equal("ANY 1 (\"pg1\")", await ScalarAsync<string>(servers, LocalServers.Pg2, "SHOW synchronous_standby_names"));

        // A commit on pg2 now waits for pg1's confirmation (ANY 1: sync_state quorum), and its row reaches pg1; pg1's divergent table is gone.
        await ExecuteAsync(servers, LocalServers.Pg2, "INSERT INTO after_failover VALUES (1000)");
        Assert.Equal("quorum", await ScalarAsync<string>(servers, LocalServers.Pg2, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'pg1'"));
        await Wait.UntilAsync(() => ScalarAsync<long>(servers, LocalServers.Pg1, "SELECT count(*) FROM after_failover"), n => n == 201,
            TimeSpan.FromSeconds(15), "pg1 to replay the rows written on pg2");
        Assert.False(await ScalarAsync<bool>(servers, LocalServers.Pg1, "SELECT to_regclass('lost_on_pg1') IS NOT NULL"));
    }

    private static async Task ExecAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {stderr}");
    }

    private static async Task ExecuteAsync(LocalServers servers, int offset, string sql)
    {
        await using var connection = new NpgsqlConnection(DrillTests.Pg(servers, offset) + ";Command Timeout=10");
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
