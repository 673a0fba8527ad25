using System.Net;
using System.Text;
using System.Text.Json;

namespace Vault.Surface.Tests;

/// <summary>The REST routes come from the proto's http annotations (JSON transcoding).</summary>
public sealed class RestTranscodingTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task StatusAndSnapshotsOverRest()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        using var status = JsonDocument.Parse(await http.GetStringAsync("/api/v1/status"));
        Assert.Equal("default", status.RootElement.GetProperty("repositoryId").GetString());

        var missing = await http.GetAsync("/api/v1/snapshots/abc");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var bad = await http.PostAsync("/api/v1/backup", Json("""{"paths":["relative"]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("must be absolute", await bad.Content.ReadAsStringAsync());

        var started = await http.PostAsync("/api/v1/backup", Json("""{"paths":["/data"],"tags":["t"]}"""));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        using var job = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        var id = job.RootElement.GetProperty("id").GetString();
        Assert.Equal("JOB_STATE_RUNNING", job.RootElement.GetProperty("state").GetString());

        using var polled = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/jobs/{id}"));
        Assert.Equal(id, polled.RootElement.GetProperty("id").GetString());

        var badId = await http.GetAsync("/api/v1/jobs/not-an-id");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
