extern alias gateway;

using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Vault.Cli;
using Vault.Client;
using Vault.Retention;
using Vault.Schedules;
using ScheduleProtoMapper = gateway::Vault.Gateway.ScheduleProtoMapper;

namespace Vault.Surface.Tests;

/// <summary>`vault schedule ...`, the SDK and /api/v1/schedules through the real gateway, over fake schedule grains.</summary>
public sealed class ScheduleSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private ScheduleSpec? Stored(string name) => _host.Grains.Schedules.TryGetValue(name, out var s) ? s.Spec : null;

    [Fact]
    public async Task Cli_SetBackup_SendsTheWholeDefinition_WithDefaultsFilledIn()
    {
        var result = await RunAsync("schedule", "set", "nightly", "--kind", "backup", "--path", "docs", "-p", "/srv", "--exclude", "*.tmp",
            "--tag", "auto", "--every", "1h30m", "--max-retries", "5", "--retry-backoff", "30s");

        Assert.True(result.ExitCode == 0, result.Error);
        var spec = Stored("nightly")!;
        Assert.Equal(ScheduleKind.Backup, spec.Kind);
        Assert.Equal("node-a", spec.Node); // the gateway's node
        Assert.Equal(["/home/me/docs", "/srv"], spec.Paths);
        Assert.Equal(["*.tmp"], spec.Excludes);
        Assert.Equal(["auto"], spec.Tags);
        Assert.Equal(TimeSpan.FromMinutes(90), spec.Every);
        Assert.Null(spec.Cron);
        Assert.Equal(5, spec.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.RetryBackoff);
        Assert.Null(spec.Retention);
        Assert.True(spec.Enabled);
        Assert.StartsWith("nightly: backup every 1h30m\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("retries:      5, backoff 30s doubling up to 1h", result.Out, StringComparison.Ordinal);
        Assert.Contains("next due:     1970-01-03 00:00:00", result.Out, StringComparison.Ordinal);

        // Unset options take the defaults again: set replaces the definition.
        Assert.Equal(0, (await RunAsync("schedule", "set", "nightly", "--kind", "backup", "--path", "/srv", "--cron", "30 2 * * *", "--disabled")).ExitCode);
        spec = Stored("nightly")!;
        Assert.Equal((3, TimeSpan.FromMinutes(1), "30 2 * * *", (TimeSpan?)null, false), (spec.MaxRetries, spec.RetryBackoff, spec.Cron, spec.Every, spec.Enabled));
    }

    [Fact]
    public async Task Cli_SetForget_MapsTheRetentionPolicy()
    {
        var result = await RunAsync("schedule", "set", "prune", "--kind", "forget", "--cron", "0 3 * * *", "--keep-daily", "7", "--keep-weekly", "-1",
            "--keep-within", "30d", "--keep-tag", "keep", "--group-by", "node,tags", "--tag", "auto");

        Assert.True(result.ExitCode == 0, result.Error);
        var spec = Stored("prune")!;
        Assert.Equal(ScheduleKind.Forget, spec.Kind);
        Assert.Null(spec.Node); // all nodes
        Assert.Equal(["auto"], spec.Tags);
        var policy = spec.Retention!;
        Assert.Equal((0, 7, -1, 0), (policy.KeepLast, policy.KeepDaily, policy.KeepWeekly, policy.KeepMonthly));
        Assert.Equal(TimeSpan.FromDays(30), policy.KeepWithin);
        Assert.Equal(["keep"], policy.KeepTags);
        Assert.Equal(RetentionGrouping.Node | RetentionGrouping.Tags, policy.GroupBy);
        Assert.Contains("retention:    keep-daily 7, keep-weekly all, keep-within 30d, keep-tag keep; grouped by node,tags", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--every", "6x" }, "schedule 'nightly': every is '6x'; must be a duration like 90s, 15m, 6h, 1h30m or 7d")]
    [InlineData(new[] { "--every", "6h", "--retry-backoff", "soon" }, "schedule 'nightly': retry_backoff is 'soon'")]
    [InlineData(new[] { "--every", "6h", "--keep-last", "1", "--group-by", "host" }, "retention.group_by is 'host'; must be 'none' or a comma list of node, paths, tags")]
    public async Task Cli_SetWithUnreadableValues_ExitsOneNamingTheField(string[] extra, string expected)
    {
        var result = await RunAsync(["schedule", "set", "nightly", "--kind", "backup", "--path", "/srv", .. extra]);

        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Null(Stored("nightly"));
    }

    [Theory]
    [InlineData("schedule", "set", "nightly", "--path", "/srv")] // --kind is required
    [InlineData("schedule", "set", "nightly", "--kind", "weekly")]
    [InlineData("schedule", "show")]
    [InlineData("schedule", "frobnicate", "x")]
    public async Task Cli_UsageErrors_ExitTwo(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith("vault: error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_RefusedDefinition_ExitsOneWithTheServersReasons()
    {
        _host.Grains.Schedules["nightly"] = new FakeSchedule("nightly") { RefuseWith = "schedule 'nightly': Cron is '61 * * * *'; minute field '61' has 61, out of range 0-59" };
        var result = await RunAsync("schedule", "set", "nightly", "--kind", "backup", "--path", "/srv", "--cron", "61 * * * *");
        Assert.Equal(ExitCodes.Error, result.ExitCode);
        Assert.Contains("minute field '61' has 61, out of range 0-59", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ListShowRunDelete()
    {
        Assert.Equal("no schedules\n", (await RunAsync("schedule", "list")).Out);
        Assert.Equal(0, (await RunAsync("schedule", "set", "b", "--kind", "backup", "--path", "/srv", "--every", "6h")).ExitCode);
        Assert.Equal(0, (await RunAsync("schedule", "set", "a", "--kind", "gc", "--cron", "0 4 * * 0", "--disabled")).ExitCode);

        var list = await RunAsync("schedule", "list");
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^a\s+gc\s+cron '0 4 \* \* 0'\s+disabled\s+-\s+-$", lines[1]);
        Assert.Matches(@"^b\s+backup\s+every 6h\s+1970-01-03 00:00:00\s+-\s+-$", lines[2]);

        using (var json = JsonDocument.Parse((await RunAsync("--json", "schedule", "list")).Out))
        {
            var b = json.RootElement[1];
            Assert.Equal("b", b.GetProperty("name").GetString());
            Assert.Equal("6h", b.GetProperty("every").GetString());
            Assert.Equal(JsonValueKind.Null, b.GetProperty("cron").ValueKind);
            Assert.Equal(3, b.GetProperty("maxRetries").GetInt32());
            Assert.False(json.RootElement[0].GetProperty("enabled").GetBoolean());
        }

        var run = await RunAsync("schedule", "run", "b");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("schedule 'b' started: running (attempt 1)\n", run.Out);
        Assert.Equal(1, _host.Grains.Schedules["b"].Runs);

        var missing = await RunAsync("schedule", "show", "nope");
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("schedule 'nope' does not exist", missing.Error, StringComparison.Ordinal);

        Assert.Equal("schedule 'b' deleted\n", (await RunAsync("schedule", "delete", "b")).Out);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("schedule", "run", "b")).ExitCode);
    }

    [Fact]
    public async Task Sdk_PutGetListAndRefusal()
    {
        using var client = new VaultClient(_host.GrpcAddress);
        var put = await client.PutScheduleAsync("gc", new V1.ScheduleSpec { Kind = V1.ScheduleKind.Gc, Every = "7d" });
        Assert.Equal("gc", put.Name);
        Assert.Equal("7d", put.Spec.Every);
        Assert.Equal("", put.Spec.Node); // GC: any node
        Assert.Equal("1m", put.Spec.RetryBackoff);
        Assert.Equal("gc", Assert.Single(await client.ListSchedulesAsync()).Name);

        var e = await Assert.ThrowsAsync<VaultClientException>(() => client.PutScheduleAsync("x", new V1.ScheduleSpec { Every = "1h" }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("schedule 'x': kind is Unspecified; must be backup, forget or gc", e.Message, StringComparison.Ordinal);
        var blank = await Assert.ThrowsAsync<VaultClientException>(() => client.GetScheduleAsync(" "));
        Assert.Equal(StatusCode.InvalidArgument, blank.StatusCode);
    }

    [Fact]
    public async Task Rest_PutListGetRunDelete_AndBadInput()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var put = await http.PutAsync("/api/v1/schedules/nightly", Json("""{"kind":"SCHEDULE_KIND_BACKUP","paths":["/data"],"tags":["auto"],"every":"6h","maxRetries":0,"retryBackoff":"10s"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using (var body = JsonDocument.Parse(await put.Content.ReadAsStringAsync()))
        {
            Assert.Equal("nightly", body.RootElement.GetProperty("name").GetString());
            Assert.Equal("node-a", body.RootElement.GetProperty("spec").GetProperty("node").GetString());
            Assert.Equal("1970-01-03T00:00:00Z", body.RootElement.GetProperty("nextDue").GetString());
        }

        Assert.Equal(0, Stored("nightly")!.MaxRetries); // an explicit 0 is not the default 3
        Assert.Equal(TimeSpan.FromSeconds(10), Stored("nightly")!.RetryBackoff);

        using (var list = JsonDocument.Parse(await http.GetStringAsync("/api/v1/schedules")))
        {
            Assert.Equal("nightly", list.RootElement.GetProperty("schedules")[0].GetProperty("name").GetString());
        }

        using (var one = JsonDocument.Parse(await http.GetStringAsync("/api/v1/schedules/nightly")))
        {
            Assert.Equal("6h", one.RootElement.GetProperty("spec").GetProperty("every").GetString());
        }

        var run = await http.PostAsync("/api/v1/schedules/nightly/run", null);
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        using (var body = JsonDocument.Parse(await run.Content.ReadAsStringAsync()))
        {
            Assert.Equal(1, body.RootElement.GetProperty("attempt").GetInt32());
        }

        var badKind = await http.PutAsync("/api/v1/schedules/other", Json("""{"paths":["/data"],"every":"6h"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        Assert.Contains("kind is Unspecified", await badKind.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var badEvery = await http.PutAsync("/api/v1/schedules/other", Json("""{"kind":"SCHEDULE_KIND_BACKUP","paths":["/data"],"every":"21600"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badEvery.StatusCode);
        Assert.Equal("application/problem+json", badEvery.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await badEvery.Content.ReadAsStringAsync()))
        {
            Assert.Contains("every is '21600'; must be a duration", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/schedules/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/api/v1/schedules/nightly")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/api/v1/schedules/nightly")).StatusCode);
    }

    [Fact]
    public void OpenApi_PutSchedule_TakesTheSpecAsItsBody()
    {
        using var document = JsonDocument.Parse(gateway::Vault.Gateway.OpenApiDocument.Build("test"));
        var put = document.RootElement.GetProperty("paths").GetProperty("/api/v1/schedules/{name}").GetProperty("put");
        Assert.Equal("#/components/schemas/ScheduleSpec",
            put.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("name", Assert.Single(put.GetProperty("parameters").EnumerateArray()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("15m", 900_000)]
    [InlineData("6h", 21_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData("1d2h3m4s", 93_784_000)]
    [InlineData("250ms", 250)]
    [InlineData("30m1h", 5_400_000)]
    public void Durations_ParseAndFormatBack(string text, long milliseconds)
    {
        var span = ScheduleProtoMapper.ParseDuration("x", "every", text);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), span);
        Assert.Equal(span, ScheduleProtoMapper.ParseDuration("x", "every", ScheduleProtoMapper.FormatDuration(span)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("6")]
    [InlineData("h")]
    [InlineData("6 h")]
    [InlineData("-6h")]
    [InlineData("6H")]
    [InlineData("1.5h")]
    [InlineData("6h ")]
    public void Durations_Unreadable_AreRefused(string text) =>
        Assert.Throws<InvalidRequestException>(() => ScheduleProtoMapper.ParseDuration("x", "every", text));

    private Task<CliRun> RunAsync(params string[] args) => CliRunner.RunAsync(_host, args);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
