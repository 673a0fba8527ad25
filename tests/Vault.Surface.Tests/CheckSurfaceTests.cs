using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Vault.Cli;
using Vault.Client;
using Vault.Storage;
using Vault.V1;

namespace Vault.Surface.Tests;

/// <summary>`vault check`, the StartCheck RPC and POST /api/v1/check through the real gateway, over a fake node.</summary>
public sealed class CheckSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Rest_StartCheck_ReachesTheNode_AndOutOfRangeIsABadRequest()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var started = await http.PostAsync("/api/v1/check", Json("""{"readDataPercent":12.5,"readDataOffset":30}"""));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using var job = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        Assert.Equal("JOB_KIND_CHECK", job.RootElement.GetProperty("kind").GetString());
        var request = Assert.Single(_host.Node.Checks);
        Assert.Equal((12.5, 30.0), (request.ReadDataPercent, request.ReadDataOffset));

        var structureOnly = await http.PostAsync("/api/v1/check", Json("{}"));
        Assert.Equal(HttpStatusCode.OK, structureOnly.StatusCode);
        Assert.Equal((0.0, (double?)null), (_host.Node.Checks[1].ReadDataPercent, _host.Node.Checks[1].ReadDataOffset));

        foreach (var (body, message) in new[]
        {
            ("""{"readDataPercent":150}""", "read_data_percent is 150; must be between 0 and 100"),
            ("""{"readDataPercent":-1}""", "read_data_percent is -1"),
            ("""{"readDataPercent":5,"readDataOffset":100}""", "read_data_offset is 100"),
        })
        {
            var bad = await http.PostAsync("/api/v1/check", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Contains(message, await bad.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, _host.Node.Checks.Count);
    }

    [Fact]
    public async Task Grpc_StartCheck_GoesToTheNamedNode_AndRefusesBadPercent()
    {
        using var client = new VaultClient(_host.GrpcAddress);
        var job = await client.StartCheckAsync(new StartCheckRequest { ReadDataPercent = 100, Node = "node-b" });
        Assert.Equal(JobKind.Check, job.Kind);
        Assert.Equal(100, Assert.Single(_host.Grains.Peer("node-b").Checks).ReadDataPercent);

        var refused = await Assert.ThrowsAsync<VaultClientException>(() => client.StartCheckAsync(new StartCheckRequest { ReadDataPercent = 100.01 }));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Empty(_host.Node.Checks);
    }

    [Theory]
    [InlineData(new[] { "check" }, 0.0, null)]
    [InlineData(new[] { "check", "--read-data" }, 100.0, null)]
    [InlineData(new[] { "check", "--read-data-subset", "10%" }, 10.0, null)]
    [InlineData(new[] { "check", "--read-data-subset", "2.5" }, 2.5, null)]
    [InlineData(new[] { "check", "--read-data-subset", "2/5" }, 20.0, 20.0)]
    [InlineData(new[] { "check", "--read-data-subset", "1/1" }, 100.0, 0.0)]
    public async Task Cli_Check_SendsTheShareToRead_AndPassesWithExitZero(string[] args, double percent, double? offset)
    {
        var result = await CliRunner.RunAsync(_host, args);

        Assert.True(result.ExitCode == 0, result.Error);
        var request = Assert.Single(_host.Node.Checks);
        Assert.Equal(percent, request.ReadDataPercent, precision: 9);
        Assert.Equal(offset, request.ReadDataOffset);
        Assert.StartsWith("no problems found on node node-a: 10 snapshots and packs checked", result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Cli_Check_Problems_ExitEight_WithWarningsAndJson()
    {
        _host.Node.CheckProblems = 2;

        var text = await CliRunner.RunAsync(_host, "check", "--read-data");
        Assert.Equal(ExitCodes.ProblemsFound, text.ExitCode);
        Assert.Equal(8, ExitCodes.ProblemsFound);
        Assert.Contains($"vault: warning: pack {0:x64} is referenced by the index but on no node", text.Error);
        Assert.EndsWith("vault: error: check found 2 problems\n", text.Error);
        Assert.Equal("", text.Out);

        var json = await CliRunner.RunAsync(_host, "--json", "check", "--node", "node-a");
        Assert.Equal(ExitCodes.ProblemsFound, json.ExitCode);
        using var document = JsonDocument.Parse(json.Out);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(2, document.RootElement.GetProperty("problems").GetInt64());
        Assert.Equal(2, document.RootElement.GetProperty("warnings").GetArrayLength());
    }

    [Fact]
    public async Task Cli_Check_FailedForAnotherReason_ExitsOne()
    {
        _host.Node.FailWith = "the catalog did not answer";

        var result = await CliRunner.RunAsync(_host, "check");

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Equal("vault: error: check failed: the catalog did not answer\n", result.Error);
    }

    [Theory]
    [InlineData("check", "--read-data", "--read-data-subset", "5%")]
    [InlineData("check", "--read-data-subset", "0%")]
    [InlineData("check", "--read-data-subset", "101%")]
    [InlineData("check", "--read-data-subset", "6/5")]
    [InlineData("check", "--read-data-subset", "0/5")]
    [InlineData("check", "--read-data-subset", "lots")]
    public async Task Cli_Check_BadSubset_IsAUsageError(params string[] args)
    {
        var result = await CliRunner.RunAsync(_host, args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("vault: error: ", result.Error);
        Assert.Empty(_host.Node.Checks);
    }

    [Fact]
    public async Task Cli_Status_ShowsScrubbing_AndDamagedPacksLeftInPlace()
    {
        var damaged = PackId.FromBytes(Enumerable.Repeat((byte)0xab, 32).ToArray());
        _host.Node.Scrub = new Vault.Check.ScrubStatus(true, 0.5, DateTimeOffset.UnixEpoch, new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), 3, 2, [damaged]);

        var text = await CliRunner.RunAsync(_host, "status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("node-a: 50.0 % of packs verified within the period, last full pass 2025-03-01", text.Out);
        Assert.Contains("3 damaged found, 2 repaired, 1 left in place", text.Out);
        Assert.Contains($"node-a: DAMAGED pack {damaged} left in place", text.Out);

        var json = await CliRunner.RunAsync(_host, "status", "--json");
        using var document = JsonDocument.Parse(json.Out);
        var scrub = document.RootElement.GetProperty("nodes")[0].GetProperty("scrub");
        Assert.Equal(0.5, scrub.GetProperty("coverage").GetDouble());
        Assert.Equal(damaged.ToString(), scrub.GetProperty("unrepaired")[0].GetString());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
