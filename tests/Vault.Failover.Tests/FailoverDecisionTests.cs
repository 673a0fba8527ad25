using Vault.Grains.Failover;

namespace Vault.Failover.Tests;

public sealed class FailoverDecisionTests
{
    private static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(10);

    private static ReplicaFacts R(string node, long? position, double? lag = 0, int priority = 100, bool reachable = true, NodeRole role = NodeRole.Replica) =>
        new(node, priority, reachable, role, position, lag);

    public static TheoryData<string, ReplicaFacts[], long?, string?, bool, string?, string> Choices => new()
    {
        // name, replicas, primary position, requested, force → chosen, a reason that must appear
        { "least loss wins", [R("a", 900), R("b", 1000)], 1000, null, false, "b", "" },
        { "priority breaks ties", [R("a", 1000, priority: 10), R("b", 1000, priority: 50)], 1000, null, false, "b", "" },
        { "name breaks full ties", [R("b", 1000), R("a", 1000)], 1000, null, false, "a", "" },
        { "over the byte limit", [R("a", 0)], 5000, null, false, null, "a: 5000 bytes behind" },
        { "over the time limit", [R("a", 1000, lag: 30)], 1000, null, false, null, "over the limit of 10 s" },
        { "NULL lag is not 0", [R("a", 1000, lag: null)], 1000, null, false, null, "NULL is not 0" },
        { "unknown primary position", [R("a", 1000)], null, null, false, null, "cannot be bounded" },
        { "unreachable", [R("a", 1000, reachable: false), R("b", 990)], 1000, null, false, "b", "a: unreachable" },
        { "priority 0 never", [R("a", 1000, priority: 0)], 1000, null, false, null, "priority 0" },
        { "already a primary", [R("a", 1000, role: NodeRole.Primary)], 1000, null, false, null, "already answers as a primary" },
        { "force ignores limits", [R("a", 0, lag: null)], 5000, null, true, "a", "" },
        { "force keeps reachability", [R("a", 0, reachable: false)], 5000, null, true, null, "unreachable" },
        { "requested replica only", [R("a", 1000), R("b", 999)], 1000, "b", false, "b", "" },
        { "requested unknown", [R("a", 1000)], 1000, "zz", false, null, "'zz' is not a replica" },
    };

    [Theory]
    [MemberData(nameof(Choices))]
    public void ChooseCandidate_Table(string name, ReplicaFacts[] replicas, long? primary, string? requested, bool force, string? chosen, string reason)
    {
        var choice = FailoverDecision.ChooseCandidate(replicas, primary, maxLagBytes: 1024, MaxTime, requested, force);
        Assert.True(chosen == choice.Node, $"{name}: chose {choice.Node ?? "none"} ({choice.Explain()})");
        Assert.Contains(reason, choice.Explain(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 3, PrimaryHealth.Healthy)]
    [InlineData(1, 3, PrimaryHealth.Suspect)]
    [InlineData(2, 3, PrimaryHealth.Suspect)]
    [InlineData(3, 3, PrimaryHealth.Down)]
    [InlineData(9, 3, PrimaryHealth.Down)]
    [InlineData(1, 1, PrimaryHealth.Down)]
    public void Assess_Table(int failures, int threshold, PrimaryHealth expected) =>
        Assert.Equal(expected, FailoverDecision.Assess(failures, threshold));

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(0, 1, false)]
    [InlineData(1, 3, false)]
    [InlineData(2, 3, true)]
    [InlineData(2, 4, false)]
    [InlineData(3, 4, true)]
    [InlineData(0, 0, false)]
    public void IsConfirmed_StrictMajorityOfAllObservers(int down, int observers, bool confirmed) =>
        Assert.Equal(confirmed, FailoverDecision.IsConfirmed(down, observers));

    [Fact]
    public void AutomaticBlocker_InsideBlockPeriod_SaysUntilWhen()
    {
        var now = DateTimeOffset.Parse("2026-01-01T00:05:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var why = FailoverDecision.AutomaticBlocker(FailoverMode.Automatic, false, now.AddMinutes(-5), TimeSpan.FromMinutes(10), now);
        Assert.Contains("blocked until 2026-01-01T00:10:00", why, StringComparison.Ordinal);
        Assert.Null(FailoverDecision.AutomaticBlocker(FailoverMode.Automatic, false, now.AddMinutes(-11), TimeSpan.FromMinutes(10), now));
        Assert.Contains("paused", FailoverDecision.AutomaticBlocker(FailoverMode.Automatic, true, null, TimeSpan.Zero, now), StringComparison.Ordinal);
        Assert.Contains("manual-only", FailoverDecision.AutomaticBlocker(FailoverMode.ManualOnly, false, null, TimeSpan.Zero, now), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadValues_NameKeyValueAndRule()
    {
        var spec = new FailoverServiceSpec
        {
            Primary = new FailoverNodeSpec { Name = "a", Port = 0 },
            Replicas = [new FailoverNodeSpec { Name = "a", Port = 5432 }],
            CheckInterval = TimeSpan.FromMilliseconds(10),
            Traffic = new TrafficSpec { RuntimeApi = "nowhere", Backend = "pg" },
            Dns = new DnsSpec { Zone = "vault.test", Name = "pg.other.test", Server = "127.0.0.1:53", TsigKeyName = "k", TsigSecret = new SecretReference { File = "/x" } },
        };
        var errors = Grains.Failover.FailoverSpecValidator.Validate("pg", spec);
        Assert.Contains("Vault:Failover:Services:pg:CheckInterval is '00:00:00.0100000'; must be between 100 ms and 1 minute", errors);
        Assert.Contains("Vault:Failover:Services:pg:Primary:Port is '0'; must be a TCP port between 1 and 65535", errors);
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:pg: node name 'a' is used by Primary and Replicas:0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:pg:Traffic:RuntimeApi is 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:pg:Dns:Name is 'pg.other.test'; must be a name inside the zone", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_FencingAndSynchronousMode_NameKeyValueAndRule()
    {
        var spec = new FailoverServiceSpec
        {
            Engine = FailoverEngine.Redis,
            Primary = new FailoverNodeSpec { Name = "a", Port = 6379, RemoteHost = "db1" },
            Replicas = [new FailoverNodeSpec { Name = "b", Port = 6380, FenceCommand = "redis-cli shutdown" }, new FailoverNodeSpec { Name = "c", Port = 6381, RemoteHost = "db3", FenceService = "redis", FenceCommand = "x" }],
            FenceUnreachable = (FenceUnreachablePolicy)7,
            SynchronousMode = true,
        };
        var errors = Grains.Failover.FailoverSpecValidator.Validate("rd", spec);
        Assert.Contains("Vault:Failover:Services:rd:Primary:FenceService is ''; exactly one of FenceService and FenceCommand must be set when RemoteHost is (what stops the database on that host)", errors);
        Assert.Contains("Vault:Failover:Services:rd:Replicas:0:RemoteHost is ''; must name a host of Vault:Remote:Hosts when FenceService or FenceCommand is set", errors);
        Assert.Contains(errors, e => e.StartsWith("Vault:Failover:Services:rd:Replicas:1:FenceService is 'redis'; exactly one of", StringComparison.Ordinal));
        Assert.Contains("Vault:Failover:Services:rd:FenceUnreachable is '7'; must be Halt or Proceed", errors);
        Assert.Contains("Vault:Failover:Services:rd:SynchronousMode is 'True'; is supported for PostgreSql only", errors);
        spec.Engine = FailoverEngine.PostgreSql;
        spec.Primary.FenceService = "postgresql@15-main";
        spec.Replicas.RemoveAt(1);
        spec.Replicas[0].FenceCommand = null;
        spec.FenceUnreachable = FenceUnreachablePolicy.Proceed;
        Assert.Empty(Grains.Failover.FailoverSpecValidator.Validate("rd", spec));
    }
}
