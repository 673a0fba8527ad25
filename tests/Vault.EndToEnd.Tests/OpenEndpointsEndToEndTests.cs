using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// The real silo with --auth required: the endpoints beside the API (metrics summary, dashboard, readiness
/// details) give nothing away without a key; /metrics stays open to Prometheus on the node itself.
/// </summary>
public sealed class OpenEndpointsEndToEndTests : TempRootTests
{
    private const string AdminToken = "e2e-bootstrap-admin-token-0123456789";

    [Fact]
    public async Task AuthRequired_SummaryAndDashboardNeedAKey_NothingSensitiveLeaks()
    {
        var source = Path.Combine(Root, "payroll-source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "x");
        await using var silo = new SiloProcess(Path.Combine(Root, "data")) { ExtraArguments = ["--auth", "required"] };
        silo.ExtraEnvironment["VAULT_ADMIN_TOKEN"] = AdminToken;
        await silo.StartAsync();
        var backup = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "--token", AdminToken, "backup", source, "--tag", "payroll-tag", "--json"],
            new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        Assert.True(backup.ExitCode == 0, backup.ToString());

        using var http = new HttpClient { BaseAddress = new Uri(silo.Http) };
        var secrets = new[] { source, "payroll", silo.DataDir, Environment.MachineName, "e2e" };
        foreach (var path in new[] { "/api/v1/metrics/summary", "/dashboard", "/dashboard/", "/health/ready" })
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (path != "/health/ready")
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode} {body}");
            }

            foreach (var secret in secrets)
            {
                Assert.False(body.Contains(secret, StringComparison.Ordinal), $"{path} without a key shows '{secret}': {body}");
            }
        }

        using var withKey = new HttpRequestMessage(HttpMethod.Get, "/api/v1/metrics/summary");
        withKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var summary = await http.SendAsync(withKey);
        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
        Assert.Contains("\"node\":\"e2e\"", await summary.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var dashboard = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        dashboard.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminToken)));
        using var page = await http.SendAsync(dashboard);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // Prometheus on the node itself scrapes without a key (Vault:Telemetry:MetricsAccess=Loopback, the default).
        using var metrics = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.DoesNotContain(source, text, StringComparison.Ordinal);
        Assert.DoesNotContain("payroll", text, StringComparison.Ordinal);
    }
}
