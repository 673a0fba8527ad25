using Vault.Grains.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Rejoin;
using static Vault.Failover.FailoverPhase;

namespace Vault.Failover.Tests;

/// <summary>The rejoin's state machine path and its PostgreSQL commands, without servers.</summary>
public sealed class RejoinUnitTests
{
    [Fact]
    public void Next_RejoinRequested_StartsFromMonitoringOnly_KeepsTheEpoch_AndRunsEveryRejoinStepInOrder()
    {
        var start = FailoverTransitions.Next(Monitoring, false, FailoverEvent.RejoinRequested);
        Assert.Equal(new FailoverTransition(RejoinStopping, false, FailoverEffects.ResetAttempts | FailoverEffects.RunStep), start);
        Assert.Null(FailoverTransitions.Next(Promoting, false, FailoverEvent.RejoinRequested));
        Assert.Null(FailoverTransitions.Next(RejoinRewinding, false, FailoverEvent.RejoinRequested));
        Assert.Null(FailoverTransitions.Next(Monitoring, true, FailoverEvent.RejoinRequested));

        var phase = RejoinStopping;
        var seen = new List<FailoverPhase> { phase };
        while (phase != Monitoring)
        {
            var t = FailoverTransitions.Next(phase, false, FailoverEvent.StepSucceeded)!.Value;
            Assert.False(t.Has(FailoverEffects.SwitchPrimary), $"{phase} must not move the primary");
            phase = t.To;
            seen.Add(phase);
        }

        Assert.Equal([RejoinStopping, RejoinRewinding, RejoinStarting, RejoinVerifying, Monitoring], seen);
        foreach (var step in seen.SkipLast(1))
        {
            Assert.Equal(new FailoverTransition(step, true, FailoverEffects.NotifyHalted), FailoverTransitions.Next(step, false, FailoverEvent.AttemptsExhausted));
        }
    }

    [Fact]
    public void Commands_RenderTheTemplates_QuoteEveryValue_AndCarryNoPassword()
    {
        var spec = new RejoinSpec { PassFile = "/var/lib/postgresql/.rejoin pass" };
        var node = new FailoverNodeSpec { Name = "pg1", Port = 5433, DataDirectory = "/srv/pg data/pg1" };
        var primary = new ServerEndpoint("pg2", "10.0.0.2", 5432, "postgres", "s3cret'pw") { ReplicationUser = "replicator", ReplicationPassword = "s3cret'pw" };

        var commands = new RejoinCommands(spec, node, "pg1", primary);

        Assert.Equal("host=10.0.0.2 port=5432 user=postgres dbname=postgres passfile='/var/lib/postgresql/.rejoin pass'", commands.Source);
        Assert.Equal("/usr/lib/postgresql/15/bin/pg_rewind --target-pgdata='/srv/pg data/pg1' --source-server='host=10.0.0.2 port=5432 user=postgres dbname=postgres passfile='\\''/var/lib/postgresql/.rejoin pass'\\'''",
            commands.Rewind);
        Assert.Equal("primary_conninfo = 'host=10.0.0.2 port=5432 user=replicator dbname=postgres passfile=''/var/lib/postgresql/.rejoin pass'' application_name=pg1'", commands.Settings[0]);
        Assert.Equal("primary_slot_name = ''", commands.Settings[1]);
        Assert.Equal("/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data/pg1' -l '/srv/pg data/pg1'/rejoin.log -w -t 60 -o '-p 5433' start", commands.Start);
        Assert.StartsWith("printf '%s\\n' 'primary_conninfo = ", commands.Configure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", commands.Stop + commands.Rewind + commands.Configure + commands.Start, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wal_log_hints setting:                on\nData page checksum version:           0\n", true)]
    [InlineData("wal_log_hints setting:                off\nData page checksum version:           1\n", true)]
    [InlineData("wal_log_hints setting:                off\nData page checksum version:           0\n", false)]
    [InlineData("pg_controldata: fatal: could not open file\n", false)]
    public void RewindBlocker_NeedsWalLogHintsOrChecksums(string controlData, bool canRewind)
    {
        var blocker = RejoinCommands.RewindBlocker(controlData);
        Assert.Equal(canRewind, blocker is null);
        if (blocker is not null && controlData.Contains("wal_log_hints", StringComparison.Ordinal))
        {
            Assert.Contains("wal_log_hints = on", blocker, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_RejoinSettings_NameKeyValueAndRule()
    {
        var spec = new FailoverServiceSpec
        {
            Engine = FailoverEngine.PostgreSql,
            Primary = new FailoverNodeSpec { Name = "pg1", Port = 5432 },
            Replicas = [new FailoverNodeSpec { Name = "pg2", Port = 5433 }],
            AutoRejoin = true,
            Rejoin = new RejoinSpec { StartCommand = " ", CommandTimeout = TimeSpan.Zero },
        };

        var errors = FailoverSpecValidator.Validate("db", spec);

        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:db:Rejoin:StartCommand is ' '", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:db:Rejoin:CommandTimeout is '00:00:00'; must be between 1 s and 2 hours", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:db:AutoRejoin is 'True'; needs every node's DataDirectory", StringComparison.Ordinal));
    }
}
