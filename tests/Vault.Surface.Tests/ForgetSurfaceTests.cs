using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Vault.Client;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Surface.Tests;

/// <summary>Forget over REST and gRPC: the request as the catalog receives it, the plan as the caller sees it, refused input.</summary>
public sealed class ForgetSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private FakeCatalog Catalog => _host.Grains.Catalog;

    [Fact]
    public async Task Rest_DryRunPolicy_ReturnsThePlanAndChangesNothing()
    {
        var (older, newer) = await TwoSnapshotsAsync();
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        using var response = await http.PostAsync("/api/v1/snapshots/forget", Json("""{"keepLast":1,"keepWithin":"2w","groupBy":"node,tags","tag":"daily","dryRun":true}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var plan = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = plan.RootElement;
        Assert.True(root.GetProperty("dryRun").GetBoolean());
        Assert.Equal((1, 1), (root.GetProperty("kept").GetInt32(), root.GetProperty("removed").GetInt32()));
        Assert.Equal("node,tags", root.GetProperty("groupBy").GetString());
        var decisions = root.GetProperty("groups")[0].GetProperty("decisions");
        Assert.Equal(newer.Id.ToString(), decisions[0].GetProperty("snapshot").GetProperty("id").GetString());
        Assert.Equal("last snapshot", decisions[0].GetProperty("reasons")[0].GetString());
        Assert.False(decisions[1].GetProperty("keep").GetBoolean());

        var received = Assert.Single(Catalog.Forgets);
        var policy = received.Policy!;
        Assert.Equal((1, 0, TimeSpan.FromDays(14)), (policy.KeepLast, policy.KeepDaily, policy.KeepWithin));
        Assert.Equal(RetentionGrouping.Node | RetentionGrouping.Tags, policy.GroupBy);
        Assert.Empty(policy.KeepTags);
        Assert.Equal(("daily", true), (received.Tag, received.DryRun));
        Assert.Equal([older.Id, newer.Id], Catalog.Snapshots.Select(s => s.Id));
    }

    [Theory]
    [InlineData("""{}""", "the retention policy has no rule")]
    [InlineData("""{"groupBy":"none","dryRun":true}""", "the retention policy has no rule")]
    [InlineData("""{"keepWithin":"7x"}""", "keep-within '7x' has an unknown unit 'x'")]
    [InlineData("""{"keepWithin":"-7d"}""", "keep-within '-7d' is not a duration")]
    [InlineData("""{"keepDaily":-2}""", "keep-daily is -2; must be a positive count, -1 (unlimited) or 0 (off)")]
    [InlineData("""{"keepLast":1,"groupBy":"host,time"}""", "group-by 'host,time' is not valid")]
    [InlineData("""{"keepTags":[""]}""", "keep-tag must not be empty")]
    public async Task Rest_BadInput_Is400BeforeTheCatalog(string body, string message)
    {
        await TwoSnapshotsAsync();
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        using var response = await http.PostAsync("/api/v1/snapshots/forget", Json(body));

        var problem = await SecurityTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(message, problem.GetProperty("detail").GetString());
        Assert.Empty(Catalog.Forgets);
        Assert.Equal(2, Catalog.Snapshots.Count);
    }

    [Fact]
    public async Task Rest_UnknownSnapshot_Is404()
    {
        await TwoSnapshotsAsync();
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        using var response = await http.PostAsync("/api/v1/snapshots/forget", Json("""{"snapshots":["ffffffffffff"]}"""));

        var problem = await SecurityTests.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Contains("no snapshot matches 'ffffffffffff'", problem.GetProperty("detail").GetString());
        Assert.Equal(2, Catalog.Snapshots.Count);
    }

    [Fact]
    public async Task Grpc_ById_ForgetsWithoutPolicy()
    {
        var (older, newer) = await TwoSnapshotsAsync();
        using var client = new VaultClient(_host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1 });

        var response = await client.ForgetAsync(new V1.ForgetRequest { Snapshots = { older.Id.ToString() } });

        Assert.Equal((0, 1, false), (response.Kept, response.Removed, response.DryRun));
        Assert.Equal("node,paths", response.GroupBy);
        var decision = Assert.Single(Assert.Single(response.Groups).Decisions);
        Assert.Equal((older.Id.ToString(), false, "named"), (decision.Snapshot.Id, decision.Keep, Assert.Single(decision.Reasons)));
        Assert.Null(Assert.Single(Catalog.Forgets).Policy);
        Assert.Equal([newer.Id], Catalog.Snapshots.Select(s => s.Id));
    }

    [Fact]
    public async Task Grpc_PolicyAndFilters_ReachTheCatalogParsed()
    {
        await TwoSnapshotsAsync();
        using var client = new VaultClient(_host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1 });

        await client.ForgetAsync(new V1.ForgetRequest
        {
            KeepHourly = 1, KeepDaily = -1, KeepWeekly = 2, KeepMonthly = 3, KeepYearly = 4, KeepWithin = "1y6m",
            KeepTags = { "prod", "keep" }, GroupBy = "none", Node = "node-a", Path = "/data", DryRun = true,
        });

        var received = Assert.Single(Catalog.Forgets);
        var policy = received.Policy!;
        Assert.Equal((0, 1, -1, 2, 3, 4), (policy.KeepLast, policy.KeepHourly, policy.KeepDaily, policy.KeepWeekly, policy.KeepMonthly, policy.KeepYearly));
        Assert.Equal(TimeSpan.FromDays(365 + 180), policy.KeepWithin);
        Assert.Equal(["prod", "keep"], policy.KeepTags);
        Assert.Equal(RetentionGrouping.None, policy.GroupBy);
        Assert.Equal(("node-a", null, "/data"), (received.Node, received.Tag, received.Path));
    }

    [Fact]
    public async Task Grpc_NoPolicy_IsInvalidArgument_UnknownIsNotFound()
    {
        using var client = new VaultClient(_host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1 });

        var empty = await Assert.ThrowsAsync<VaultClientException>(() => client.ForgetAsync(new V1.ForgetRequest { Tag = "daily" }));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("has no rule", empty.Message);

        var unknown = await Assert.ThrowsAsync<VaultClientException>(() => client.ForgetAsync(new V1.ForgetRequest { Snapshots = { "0123abcd" } }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<(SnapshotInfo Older, SnapshotInfo Newer)> TwoSnapshotsAsync()
    {
        var older = Snapshot(DateTimeOffset.Parse("2024-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var newer = Snapshot(older.Time.AddDays(1));
        await Catalog.AddAsync(older);
        await Catalog.AddAsync(newer);
        return (older, newer);
    }

    private static SnapshotInfo Snapshot(DateTimeOffset time) =>
        new(SnapshotId.New(), "node-a", "host-a", ["/data"], ["daily"], time, null, new ChunkId(new Hash256(1, 2, 3, 4)),
            new SnapshotStats(1, 1, 0, 10, 10, 10, 1, 0, 0, 0.1), SnapshotState.Committed, false);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
