using System.Net;
using System.Text;
using System.Text.Json;
using Vault.Cli;

namespace Vault.Surface.Tests;

/// <summary>`vault failover rejoin` and POST /api/v1/failover/{service}/rejoin through the real gateway, over a fake controller.</summary>
public sealed class FailoverRejoinSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartAsync();
        _host.Grains.Controllers["pg"] = new FakeFailoverController("pg", true);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Cli_Rejoin_ReachesTheControllerWithNodeReasonAndOperator_AndShowsTheRejoinPhase()
    {
        var result = await CliRunner.RunAsync(_host, ["failover", "rejoin", "pg", "pg1", "--reason", "after the drill"]);

        Assert.Equal(0, result.ExitCode);
        var command = Assert.Single(_host.Grains.Controllers["pg"].Rejoins);
        Assert.Equal("pg1", command.Node);
        Assert.Equal("after the drill", command.Reason);
        Assert.Equal(Environment.UserName, command.Operator);
        Assert.Contains("rejoin in rejoin-stopping to pg1", result.Out, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync(_host, ["failover", "rejoin", "nope", "pg1"]);
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
    }

    [Fact]
    public async Task Rest_Rejoin_NeedsANode()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var started = await http.PostAsync("/api/v1/failover/pg/rejoin", new StringContent("""{"node":"pg1"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using var body = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        Assert.Equal("rejoin", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("pg1", body.RootElement.GetProperty("target").GetString());

        var noNode = await http.PostAsync("/api/v1/failover/pg/rejoin", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, noNode.StatusCode);
        Assert.Contains("a node name is required", await noNode.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
