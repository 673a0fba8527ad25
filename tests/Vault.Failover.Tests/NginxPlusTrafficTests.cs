using Vault.Failover.Tests.Infrastructure;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Traffic;

namespace Vault.Failover.Tests;

/// <summary>The Nginx Plus provider against a fake of its API that checks paths, bodies and answers as the real one does (NginxPlusFake).</summary>
public sealed class NginxPlusTrafficTests
{
    private static readonly FailoverNodeSpec Pg1 = new() { Name = "pg1", Host = "10.0.0.1", Port = 5432 };
    private static readonly FailoverNodeSpec Pg2 = new() { Name = "pg2", Host = "10.0.0.2", Port = 5432 };

    private static (NginxPlusTraffic Provider, TrafficSpec Spec) Provider(NginxPlusFake fake, HttpClient http, string? upstream = null, int version = 9) =>
        Make(new TrafficSpec { Kind = TrafficKind.NginxPlus, ApiUrl = fake.Url, ApiVersion = version, ApiModule = fake.Module, Upstream = upstream ?? fake.Upstream, DrainTimeout = TimeSpan.FromSeconds(5) }, http);

    private static (NginxPlusTraffic, TrafficSpec) Make(TrafficSpec spec, HttpClient http) => (new NginxPlusTraffic(spec, http, TimeProvider.System), spec);

    [Fact]
    public async Task DownDrainWeight_GoThroughVersionedPaths_AndAreVerified()
    {
        await using var fake = new NginxPlusFake(LocalServers.NextBase(), "stream", "pg", Pg1.Endpoint, Pg2.Endpoint);
        using var http = new HttpClient();
        var (plus, _) = Provider(fake, http);
        fake.Peers[1].Down = true;

        Assert.Contains("10.0.0.2:5432 (id 1, down)", await plus.PreflightAsync([Pg1, Pg2], default), StringComparison.Ordinal);
        Assert.Contains("down", await plus.DisableAsync(Pg1, default), StringComparison.Ordinal);
        Assert.Contains("up", await plus.EnableAsync(Pg2, default), StringComparison.Ordinal);
        Assert.True(fake.Peers[0].Down);
        Assert.False(fake.Peers[1].Down);
        Assert.Contains("PATCH /api/9/stream/upstreams/pg/servers/0 {\"down\":true}", fake.Requests);
        Assert.Contains("PATCH /api/9/stream/upstreams/pg/servers/1 {\"down\":false}", fake.Requests);

        // Drain waits until the peer's active connections reach zero.
        fake.Peers[1].Active = 3;
        Assert.Contains("drained: no connection left", await plus.DrainAsync(Pg2, default), StringComparison.Ordinal);
        Assert.Equal(0, fake.Peers[1].Active);
        Assert.Contains("PATCH /api/9/stream/upstreams/pg/servers/1 {\"drain\":true}", fake.Requests);

        await plus.SetWeightAsync(Pg2.Endpoint, 50, default);
        Assert.Equal(50, await plus.GetWeightAsync(Pg2.Endpoint, default));
        await plus.SetWeightAsync(Pg2.Endpoint, 0, default);
        Assert.Equal(0, await plus.GetWeightAsync(Pg2.Endpoint, default));
        Assert.Equal(50, fake.Peers[1].Weight);
    }

    [Fact]
    public async Task ApiErrors_ReachTheStep_WithTheApisTextAndCode()
    {
        await using var fake = new NginxPlusFake(LocalServers.NextBase(), "http", "db", Pg1.Endpoint, Pg2.Endpoint);
        using var http = new HttpClient();

        var (missing, _) = Provider(fake, http, upstream: "nope");
        var e = await Assert.ThrowsAsync<FailoverStepException>(() => missing.PreflightAsync([Pg1], default));
        Assert.Contains("HTTP 404: upstream not found (UpstreamNotFound)", e.Message, StringComparison.Ordinal);

        var (oldVersion, _) = Provider(fake, http, version: 42);
        e = await Assert.ThrowsAsync<FailoverStepException>(() => oldVersion.PreflightAsync([Pg1], default));
        Assert.Contains("unknown version (UnknownVersion)", e.Message, StringComparison.Ordinal);

        var (plus, _) = Provider(fake, http);
        fake.ReadOnly = true;
        e = await Assert.ThrowsAsync<FailoverStepException>(() => plus.DisableAsync(Pg1, default));
        Assert.Contains("HTTP 405: method disabled (MethodDisabled); the API is read-only", e.Message, StringComparison.Ordinal);
        Assert.False(fake.Peers[0].Down);
        fake.ReadOnly = false;

        e = await Assert.ThrowsAsync<FailoverStepException>(() => plus.PreflightAsync([Pg1, new FailoverNodeSpec { Host = "10.0.0.9", Port = 1 }], default));
        Assert.Contains("has no server 10.0.0.9:1", e.Message, StringComparison.Ordinal);

        // A drain that never ends is bounded by DrainTimeout.
        var (slow, spec) = Provider(fake, http);
        spec.DrainTimeout = TimeSpan.FromMilliseconds(300);
        fake.Peers[0].Active = 1_000_000;
        e = await Assert.ThrowsAsync<FailoverStepException>(() => slow.DrainAsync(Pg1, default));
        Assert.Contains("active connection(s) after draining for 0.3 s", e.Message, StringComparison.Ordinal);
    }
}
