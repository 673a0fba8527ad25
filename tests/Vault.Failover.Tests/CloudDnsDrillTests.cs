using System.Globalization;
using Vault.Failover.Tests.Fakes;
using Vault.Failover.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Vault.Failover.Tests;

/// <summary>
/// kill -9 of the PostgreSQL primary with the service's name held by a cloud DNS provider (a fake that
/// checks what the provider checks and mirrors applied changes into the BIND pair): one promotion, the
/// record switched through the provider, and the new address answered by every authoritative nameserver.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class CloudDnsDrillTests(FailoverCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task Postgres_PrimaryKilled_Route53RecordSwitchedAfterInsync()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        await using var fake = await FakeRoute53.StartAsync(servers.Port(DnsSpecs.Route53Fake));
        fake.OnInsync = DnsSpecs.MirrorInto(servers);
        var spec = Specs.Postgres(servers);
        spec.Dns = DnsSpecs.Route53(servers, fake);

        var message = await DrillAsync(servers, spec, "route53");
        Assert.Contains("through Route53 (change C", message, StringComparison.Ordinal);
        Assert.Equal(["127.0.1.2"], fake.Sets[("pg.vault.test.", "A", "")].Values);
        Assert.True(fake.GetChangeCalls >= 2, $"GetChange was polled {fake.GetChangeCalls} times");
    }

    [Fact]
    public async Task Postgres_PrimaryKilled_CloudflareRecordSwitched()
    {
        await using var servers = await LocalServers.StartAsync("postgres", "haproxy", "bind");
        await using var fake = await FakeCloudflare.StartAsync(servers.Port(DnsSpecs.CloudflareFake));
        fake.OnChanged = DnsSpecs.MirrorInto(servers);
        var spec = Specs.Postgres(servers);
        spec.Dns = DnsSpecs.Cloudflare(servers, fake);

        var message = await DrillAsync(servers, spec, "cloudflare");
        Assert.Contains("through Cloudflare", message, StringComparison.Ordinal);
        Assert.Equal("127.0.1.2", (string?)Assert.Single(fake.Records.Values)["content"]);
    }

    private async Task<string> DrillAsync(LocalServers servers, FailoverServiceSpec spec, string provider)
    {
        var controller = cluster.Grains.GetGrain<IFailoverControllerGrain>($"pg-{provider}-{Guid.NewGuid():N}"[..24]);
        await controller.ConfigureAsync(spec);
        await DrillTests.WaitHealthyAsync(controller, 2);

        var killed = DateTimeOffset.UtcNow;
        await servers.KillAsync("pg1");
        var status = await Wait.UntilAsync(controller.GetStatusAsync,
            s => s.Primary == "pg2" && s.Phase == FailoverPhase.Monitoring && s.LastFailover is not null,
            TimeSpan.FromSeconds(40), $"the failover from pg1 to pg2 with DNS at {provider}", DrillTests.Describe);
        Assert.Equal(1, status.Epoch);
        Assert.False(status.Halted);

        var history = await controller.GetHistoryAsync(0);
        foreach (var e in history)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} epoch {e.Epoch} {e.Kind,-11} {e.Phase,-15} {e.Result,-7} {e.DurationMs,7:0} ms  {e.Message}");
        }

        var dns = history.Single(e => e.Kind == "action" && e.Phase == FailoverPhase.PublishingDns && e.Result == "ok");
        var answered = dns.Message[(dns.Message.IndexOf("answered by ", StringComparison.Ordinal) + "answered by ".Length)..].Split(" after ")[0].Split(", ");
        Assert.Equal([$"127.0.0.1:{servers.Port(LocalServers.Bind1)}", $"127.0.0.1:{servers.Port(LocalServers.Bind2)}"], answered.Order());
        var completed = history.Single(e => e.Kind == "decision" && e.Message.Contains("completed", StringComparison.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DRILL postgres/{provider}: kill to DNS switched and verified {(completed.At - killed).TotalSeconds:0.00} s, DNS step {dns.DurationMs:0} ms"));

        Assert.Equal("127.0.1.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind1), "pg.vault.test"));
        Assert.Equal("127.0.1.2", await Checks.DnsAsync(servers.Port(LocalServers.Bind2), "pg.vault.test"));
        return dns.Message;
    }
}
