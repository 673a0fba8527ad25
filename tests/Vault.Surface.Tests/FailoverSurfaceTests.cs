using System.Net;
using System.Text;
using System.Text.Json;
using Vault.Cli;

namespace Vault.Surface.Tests;

/// <summary>`vault failover ...` and /api/v1/failover/... through the real gateway, over fake controllers.</summary>
public sealed class FailoverSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartAsync();
        _host.Grains.Controllers["pg"] = new FakeFailoverController("pg", true);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Status_TextAndJson_ShowPrimaryLagAndPhase()
    {
        var text = await RunAsync("failover", "status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("pg (postgresql): primary pg1, monitoring, epoch 2, mode automatic", text.Out, StringComparison.Ordinal);
        Assert.Contains("100 B", text.Out, StringComparison.Ordinal);

        var json = await RunAsync("--json", "failover", "status", "pg");
        using var document = JsonDocument.Parse(json.Out);
        var pg = document.RootElement[0];
        Assert.Equal("monitoring", pg.GetProperty("phase").GetString());
        Assert.Equal(100, pg.GetProperty("nodes")[1].GetProperty("lagBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, pg.GetProperty("nodes")[0].GetProperty("lagBytes").ValueKind);
    }

    [Fact]
    public async Task Failover_Force_ReachesTheControllerAndUnknownServiceIsNotFound()
    {
        var result = await RunAsync("failover", "failover", "pg", "--to", "pg2", "--force", "--reason", "disk gone");
        Assert.Equal(0, result.ExitCode);
        var command = Assert.Single(_host.Grains.Controllers["pg"].Commands);
        Assert.True(command.Force);
        Assert.Equal("pg2", command.To);
        Assert.Equal("disk gone", command.Reason);

        var missing = await RunAsync("failover", "switchover", "nope");
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("failover service 'nope' is not configured", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switchover_Refused_ExitsOneWithTheReason()
    {
        _host.Grains.Controllers["pg"].RefuseWith = "no replica can take over: pg2: unreachable";
        var result = await RunAsync("failover", "switchover", "pg");
        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("pg2: unreachable", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_StatusHistoryAndSwitchover()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        using var status = JsonDocument.Parse(await http.GetStringAsync("/api/v1/failover/status?service=pg"));
        Assert.Equal("pg1", status.RootElement.GetProperty("services")[0].GetProperty("primary").GetString());

        using var history = JsonDocument.Parse(await http.GetStringAsync("/api/v1/failover/pg/history?limit=5"));
        Assert.Equal("fencing", history.RootElement.GetProperty("entries")[0].GetProperty("phase").GetString());

        var switched = await http.PostAsync("/api/v1/failover/pg/switchover", new StringContent("""{"to":"pg2"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, switched.StatusCode);
        using var body = JsonDocument.Parse(await switched.Content.ReadAsStringAsync());
        Assert.Equal("pg2", body.RootElement.GetProperty("primary").GetString());

        _host.Grains.Controllers["pg"].RefuseWith = "the primary pg1 answers as primary";
        var refused = await http.PostAsync("/api/v1/failover/pg/failover", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/failover/status?service=nope")).StatusCode);
    }

    private Task<CliRun> RunAsync(params string[] args) => CliRunner.RunAsync(_host, args);
}
