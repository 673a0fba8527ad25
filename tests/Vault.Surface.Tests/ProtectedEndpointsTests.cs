extern alias gateway;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Vault.Client;
using Vault.Security;
using EndpointAccess = gateway::Vault.Gateway.EndpointAccess;
using ProtectedEndpoint = gateway::Vault.Gateway.ProtectedEndpoint;

namespace Vault.Surface.Tests;

/// <summary>
/// Endpoints beside the API (the silo's metrics summary, dashboard, /metrics) with authentication required:
/// nothing sensitive without a key of the right role, on either host.
/// </summary>
public sealed class ProtectedEndpointsTests : IAsyncDisposable
{
    private const string AdminToken = "bootstrap-admin-token-for-endpoint-tests";
    private const string Sensitive = "/srv/backups/payroll snapshot 0b5e7a91 host db-primary.internal";
    private readonly string _tokenFile = Path.GetTempFileName();

    public static TheoryData<GatewayHostKind> Kinds => [GatewayHostKind.Silo, GatewayHostKind.Standalone];

    public ValueTask DisposeAsync()
    {
        File.Delete(_tokenFile);
        return ValueTask.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ProtectedEndpoints_NeedAKeyOfTheirRole_AndLeakNothingWithoutOne(GatewayHostKind kind)
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        await using var host = await GatewayHost.StartAsync(kind,
            new Dictionary<string, string?> { ["Vault:Gateway:Auth"] = "required", ["Vault:Gateway:AdminTokenFile"] = _tokenFile },
            map: app =>
            {
                app.MapGet("/summary", () => Sensitive);
                app.MapGet("/dash/{**rest}", () => Sensitive);
                app.MapGet("/scrape", () => Sensitive);
            },
            protectedEndpoints:
            [
                new ProtectedEndpoint("/summary", ApiRole.Reader, EndpointAccess.Key),
                new ProtectedEndpoint("/dash", ApiRole.Admin, EndpointAccess.Key, AcceptBasic: true),
                new ProtectedEndpoint("/scrape", ApiRole.Reader, EndpointAccess.Loopback),
            ]);
        using var admin = new VaultClient(host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1, Token = AdminToken });
        var reader = (await admin.CreateApiKeyAsync("dash-reader", Vault.V1.Role.Reader)).Token;
        using var http = new HttpClient { BaseAddress = host.RestAddress };

        foreach (var (path, token) in new[] { ("/summary", (string?)null), ("/summary", "junk-token-0000000000"), ("/dash/index.html", null), ("/dash/api/silos", "junk") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var body = await refused.Content.ReadAsStringAsync();
            foreach (var word in new[] { "/srv", "payroll", "0b5e7a91", "db-primary" })
            {
                Assert.DoesNotContain(word, body, StringComparison.Ordinal);
            }
        }

        Assert.Equal(Sensitive, await GetAsync(http, "/summary", new AuthenticationHeaderValue("Bearer", reader), HttpStatusCode.OK));
        await GetAsync(http, "/dash/index.html", new AuthenticationHeaderValue("Bearer", reader), HttpStatusCode.Forbidden);
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminToken)));
        Assert.Equal(Sensitive, await GetAsync(http, "/dash/index.html", basic, HttpStatusCode.OK));
        using (var challenge = await http.GetAsync("/dash/index.html"))
        {
            Assert.Contains("Basic", challenge.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // Basic credentials count only where the endpoint accepts them.
        await GetAsync(http, "/summary", basic, HttpStatusCode.Unauthorized);

        // Loopback access: this test's client is on 127.0.0.1, as Prometheus on the node itself would be.
        Assert.Equal(Sensitive, await GetAsync(http, "/scrape", null, HttpStatusCode.OK));
    }

    [Fact]
    public async Task Readiness_WithAuthRequired_GivesTheStatusToAnyone_AndTheDetailsToAReader()
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        await using var host = await GatewayHost.StartAsync(GatewayHostKind.Standalone,
            new Dictionary<string, string?> { ["Vault:Gateway:Auth"] = "required", ["Vault:Gateway:AdminTokenFile"] = _tokenFile });
        using var http = new HttpClient { BaseAddress = host.RestAddress };
        var anonymous = JsonDocument.Parse(await GetAsync(http, "/health/ready", null, HttpStatusCode.OK)).RootElement;
        Assert.Equal(JsonValueKind.Null, anonymous.GetProperty("checks").GetProperty("cluster").GetProperty("description").ValueKind);

        var detailed = JsonDocument.Parse(await GetAsync(http, "/health/ready", new AuthenticationHeaderValue("Bearer", AdminToken), HttpStatusCode.OK)).RootElement;
        Assert.Contains("active silo", detailed.GetProperty("checks").GetProperty("cluster").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> GetAsync(HttpClient http, string path, AuthenticationHeaderValue? authorization, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }
}
