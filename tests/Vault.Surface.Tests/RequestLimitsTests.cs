extern alias gateway;

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Vault.Snapshots;
using Vault.Storage;
using Vault.V1;
using GatewayErrors = gateway::Vault.Gateway.GatewayErrors;

namespace Vault.Surface.Tests;

/// <summary>Hostile sizes over REST and gRPC: clear 400s at once, nothing reaches the node, listings keep working.</summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string> Refused => new()
    {
        { Json(new { paths = Enumerable.Range(0, 100_000).Select(i => $"/d/{i}").ToArray() }), "100000 paths given; at most 1000" },
        { Json(new { paths = new[] { "/data" }, tags = new[] { new string('t', 3 * 1024 * 1024) } }), "at most 128 are allowed" },
        { Json(new { paths = new[] { "/data" }, tags = Enumerable.Range(0, 101).Select(i => $"t{i}").ToArray() }), "101 tags given; at most 100" },
        { Json(new { paths = new[] { "/data" }, excludes = Enumerable.Range(0, 1001).Select(i => $"*.{i}").ToArray() }), "1001 exclude patterns given; at most 1000" },
        { Json(new { paths = new[] { "/data/" + new string('n', 300) } }), "at most 255 are allowed (file name too long)" },
        { Json(new { paths = new[] { "/" + string.Join('/', Enumerable.Repeat("abcdefgh", 600)) } }), "at most 4096 are allowed" },
        { Json(new { paths = new[] { "/data" }, node = new string('x', 300) }), "node 'xxx" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Backup_OverALimit_Is400NamingIt_AndFast(string body, string expected)
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync("/api/v1/backup", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await SecurityTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"refusing took {clock.Elapsed}");
        Assert.Empty(_host.Node.Backups);
    }

    [Fact]
    public async Task Restore_TargetWithTooLongName_Is400_Not500()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        using var response = await http.PostAsync("/api/v1/restore",
            new StringContent(Json(new { snapshot = "latest", target = "/restore/" + new string('x', 256) }), Encoding.UTF8, "application/json"));
        var problem = await SecurityTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("file name too long", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_TimeoutIs504_PathTooLongIs400()
    {
        Assert.Equal(504, GatewayErrors.ToHttpStatus(GatewayErrors.ToStatus(new TimeoutException("Response did not arrive on time in 00:00:30")).Status.StatusCode));
        Assert.Equal(400, GatewayErrors.ToHttpStatus(GatewayErrors.ToStatus(new PathTooLongException("File name too long : '/x/yyy'")).Status.StatusCode));
    }

    [Fact]
    public async Task ListSnapshots_PageTokenNearIntMax_DoesNotOverflow()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.Grains.Catalog.AddAsync(Snapshot(["/data"], ["daily"]));
        }

        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var text = await http.GetStringAsync($"/api/v1/snapshots?pageSize=1000&pageToken=o{int.MaxValue - 5}");
        var page = JsonDocument.Parse(text).RootElement;
        Assert.False(page.TryGetProperty("snapshots", out var s) && s.GetArrayLength() > 0, text);
        Assert.False(page.TryGetProperty("nextPageToken", out var next) && next.GetString() is { Length: > 0 }, text);
    }

    [Fact]
    public async Task ListSnapshots_LargeSnapshots_PageStaysUnderTheMessageLimit_AndContinues()
    {
        // 40 snapshots of ~200 KiB of paths each (under the limits) are 8 MiB: more than one gRPC message may carry.
        var paths = Enumerable.Range(0, 50).Select(i => "/" + string.Join('/', Enumerable.Repeat($"dir{i:D2}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100))).ToList();
        for (var i = 0; i < 40; i++)
        {
            await _host.Grains.Catalog.AddAsync(Snapshot(paths, [$"t{i}"]));
        }

        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(_host.GrpcAddress);
        var client = new VaultService.VaultServiceClient(channel);
        var seen = 0;
        var pages = 0;
        var token = "";
        do
        {
            var page = await client.ListSnapshotsAsync(new ListSnapshotsRequest { PageSize = 1000, PageToken = token }).ResponseAsync;
            Assert.NotEmpty(page.Snapshots);
            seen += page.Snapshots.Count;
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 100);

        Assert.Equal(40, seen);
        Assert.True(pages > 1, "one page held 8 MiB of snapshots");
    }

    private static SnapshotInfo Snapshot(IReadOnlyList<string> paths, IReadOnlyList<string> tags) =>
        new(SnapshotId.New(), "node-a", "host-a", paths, tags, DateTimeOffset.UtcNow, null, new ChunkId(new Hash256(1, 2, 3, 4)),
            new Vault.Snapshots.SnapshotStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5), Vault.Snapshots.SnapshotState.Committed, false);

    private static string Json(object value) => JsonSerializer.Serialize(value);
}
