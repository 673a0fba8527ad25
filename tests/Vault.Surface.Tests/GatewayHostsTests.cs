using System.Net;
using System.Text;
using System.Text.Json;

namespace Vault.Surface.Tests;

/// <summary>
/// The silo's gateway and the standalone vault-gateway are the same gateway: the same refusals at start, the
/// same limits and error format, readiness that means something. (The whole suite also runs against the
/// standalone host with VAULT_TEST_GATEWAY_HOST=standalone; these name both hosts explicitly.)
/// </summary>
public sealed class GatewayHostsTests
{
    public static TheoryData<GatewayHostKind> Kinds => [GatewayHostKind.Silo, GatewayHostKind.Standalone];

    public static TheoryData<GatewayHostKind, string, string, string> BadSettings()
    {
        var data = new TheoryData<GatewayHostKind, string, string, string>();
        foreach (var kind in new[] { GatewayHostKind.Silo, GatewayHostKind.Standalone })
        {
            data.Add(kind, "Vault:Gateway:Auth", "maybe", "Vault:Gateway:Auth is 'maybe'; must be 'required' or 'off'");
            data.Add(kind, "Vault:Gateway:Tls:Certificate", "/x.pem", "Vault:Gateway:Tls:Certificate is not a setting (unknown key); did you mean Vault:Gateway:Tls:CertificateFile?");
            data.Add(kind, "Vault:Gateway:MaxRequestBytes", "4MiB", "Vault:Gateway:MaxRequestBytes is '4MiB'; must be a whole number");
            data.Add(kind, "Vault:Gateway:Cors:Origins:0", "not a url", "Vault:Gateway:Cors:Origins has 'not a url'");
            data.Add(kind, "Vault:Gateway:RateLimit:Burst", "0", "Vault:Gateway:RateLimit:Burst is 0; must be at least 1");
        }

        data.Add(GatewayHostKind.Standalone, "Vault:DataDir", "/srv/vault", "Vault:DataDir is not a setting (unknown key)");
        data.Add(GatewayHostKind.Standalone, "Vault:Cluster:Replicas", "two", "Vault:Cluster:Replicas is 'two'; must be a whole number");
        data.Add(GatewayHostKind.Standalone, "Vault:Gatway:Auth", "off", "Vault:Gatway is not a setting (unknown key); did you mean Vault:Gateway?");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadGatewaySetting_IsRefusedNamingTheKey(GatewayHostKind kind, string key, string value, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(kind, new Dictionary<string, string?>
        {
            [key] = value,
            ["Vault:Gateway:RateLimit:RequestsPerSecond"] = "10",
        }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Start_PlaintextOutsideLoopback_IsRefused(GatewayHostKind kind)
    {
        // Refused before anything listens: no socket is opened on 0.0.0.0.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(kind, new Dictionary<string, string?> { ["Vault:Gateway:Auth"] = "required" }, bind: "0.0.0.0"));
        Assert.Contains("plaintext is refused outside loopback", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Rest_OversizeBody_Is413ProblemDetails_BeforeTheBodyIsRead(GatewayHostKind kind)
    {
        // A 10 MB tag was accepted by the standalone gateway. The declared length alone is refused: the client
        // sends the headers only and reads the answer (an HTTP client would still be writing the body).
        await using var host = await GatewayHost.StartAsync(kind);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host.RestAddress.Host, host.RestAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/v1/backup HTTP/1.1\r\nHost: {host.RestAddress.Authority}\r\nContent-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = await reader.ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 413 ", status, StringComparison.Ordinal);
        string? line;
        var contentType = "";
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
        {
            if (line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
            {
                contentType = line["Content-Type:".Length..].Trim();
            }
        }

        Assert.Equal("application/problem+json", contentType);
        Assert.Empty(host.Node.Backups);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Rest_UnknownRoute_IsProblemDetails(GatewayHostKind kind)
    {
        await using var host = await GatewayHost.StartAsync(kind);
        using var http = new HttpClient { BaseAddress = host.RestAddress };
        using var response = await http.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Standalone_Readiness_FollowsTheCluster()
    {
        await using var host = await GatewayHost.StartAsync(GatewayHostKind.Standalone);
        using var http = new HttpClient { BaseAddress = host.RestAddress };
        using (var up = await http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        host.Cluster.Down = true;
        using (var down = await http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            var cluster = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("cluster");
            Assert.Equal("Unhealthy", cluster.GetProperty("status").GetString());
            Assert.Contains("does not answer", cluster.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        using var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Start_AdminTokenFileReadableByOthers_IsRefused(GatewayHostKind kind)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "a-long-enough-bootstrap-token-0123456789\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(kind, new Dictionary<string, string?>
            {
                ["Vault:Gateway:Auth"] = "required",
                ["Vault:Gateway:AdminTokenFile"] = file,
            }));
            Assert.Contains($"Vault:Gateway:AdminTokenFile is '{file}' with mode 0644; the admin token must be readable by its owner only", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Start_ShortBootstrapToken_IsRefusedAtStart_NotAt500sLater(GatewayHostKind kind)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "short\n");
            var error = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(kind, new Dictionary<string, string?>
            {
                ["Vault:Gateway:Auth"] = "required",
                ["Vault:Gateway:AdminTokenFile"] = file,
            }));
            Assert.Contains("has 5 characters; must have at least 16", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Rest_HugeUrlOrHeaders_AreRefusedByTheServer_AndItKeepsServing(GatewayHostKind kind)
    {
        await using var host = await GatewayHost.StartAsync(kind);
        using var http = new HttpClient { BaseAddress = host.RestAddress };
        using (var url = await http.GetAsync("/api/v1/snapshots?path=/" + new string('p', 20 * 1024)))
        {
            Assert.Equal(HttpStatusCode.RequestUriTooLong, url.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status"))
        {
            request.Headers.Add("X-Junk", new string('h', 40 * 1024));
            using var headers = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, headers.StatusCode);
        }

        using var fine = await http.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }
}
