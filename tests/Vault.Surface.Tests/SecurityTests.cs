extern alias gateway;

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Vault.Client;
using Vault.V1;
using GatewayOptions = gateway::Vault.Gateway.GatewayOptions;
using RpcPolicy = gateway::Vault.Gateway.RpcPolicy;

namespace Vault.Surface.Tests;

/// <summary>Authentication, roles, limits and error format of the gateway, through a real Kestrel server.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private const string AdminToken = "bootstrap-admin-token-for-tests-0123456789";
    private readonly string _tokenFile = Path.GetTempFileName();
    private GatewayHost _host = null!;
    private string _reader = "";
    private string _operator = "";

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        _host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Vault:Gateway:Auth"] = "required",
            ["Vault:Gateway:AdminTokenFile"] = _tokenFile,
        });
        using var admin = Client(AdminToken);
        _reader = (await admin.CreateApiKeyAsync("ci-reader", Role.Reader)).Token;
        _operator = (await admin.CreateApiKeyAsync("ci-operator", Role.Operator)).Token;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_tokenFile);
    }

    public static TheoryData<string> Rpcs()
    {
        var data = new TheoryData<string>();
        foreach (var method in VaultService.Descriptor.Methods)
        {
            data.Add(method.Name);
        }

        return data;
    }

    [Fact]
    public void RpcPolicy_CoversEveryRpcOfTheService() => RpcPolicy.CheckComplete();

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task EveryRpc_RefusesUnauthenticatedAndWrongRole_AcceptsRightRole(string rpc)
    {
        var required = RpcPolicy.Rules[rpc].Role;
        Assert.Equal(StatusCode.Unauthenticated, await RawCallAsync(rpc, null));
        Assert.Equal(StatusCode.Unauthenticated, await RawCallAsync(rpc, "vault_not-a-real-token"));

        var below = required switch
        {
            Vault.Security.ApiRole.Admin => _operator,
            Vault.Security.ApiRole.Operator => _reader,
            _ => null,
        };
        if (below is not null)
        {
            Assert.Equal(StatusCode.PermissionDenied, await RawCallAsync(rpc, below));
        }

        var right = required switch
        {
            Vault.Security.ApiRole.Admin => AdminToken,
            Vault.Security.ApiRole.Operator => _operator,
            _ => _reader,
        };
        var accepted = await RawCallAsync(rpc, right);
        Assert.NotEqual(StatusCode.Unauthenticated, accepted);
        Assert.NotEqual(StatusCode.PermissionDenied, accepted);
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task EveryRestRoute_Answers401And403AsProblemDetails(string rpc)
    {
        // The routes as the gateway derives them from the proto's http annotations.
        using var document = JsonDocument.Parse(gateway::Vault.Gateway.OpenApiDocument.Build("test"));
        var operation = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Route: p.Name, Verb: o.Name, Id: o.Value.GetProperty("operationId").GetString())))
            .Where(o => o.Id == rpc)
            .ToList();
        if (operation.Count == 0)
        {
            return; // gRPC only
        }

        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var verb = new HttpMethod(operation[0].Verb.ToUpperInvariant());
        var path = System.Text.RegularExpressions.Regex.Replace(operation[0].Route, @"\{[a-z_]+\}", "x");

        using var anonymous = await http.SendAsync(Request(verb, path, null));
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);

        var required = RpcPolicy.Rules[rpc].Role;
        if (required != Vault.Security.ApiRole.Reader)
        {
            using var denied = await http.SendAsync(Request(verb, path, _reader));
            await AssertProblemAsync(denied, HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Keys_CreateListRevoke_RevokedTokenStopsWorking_AndMutationsAreAudited()
    {
        using var admin = Client(AdminToken);
        var created = await admin.CreateApiKeyAsync("short-lived", Role.Reader);
        Assert.StartsWith("vault_", created.Token);
        using (var reader = Client(created.Token))
        {
            Assert.Equal("default", (await reader.GetStatusAsync()).RepositoryId);
            var denied = await Assert.ThrowsAsync<VaultClientException>(() => reader.StartBackupAsync(new StartBackupRequest { Paths = { "/data" } }));
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }

        var keys = await admin.ListApiKeysAsync();
        Assert.Contains(keys, k => k.Name == "short-lived" && k.Role == Role.Reader && k.CreatedBy == "bootstrap-admin");
        await admin.RevokeApiKeyAsync("short-lived");
        using (var revoked = Client(created.Token))
        {
            var e = await Assert.ThrowsAsync<VaultClientException>(() => revoked.GetStatusAsync());
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }

        using (var op = Client(_operator))
        {
            await op.StartBackupAsync(new StartBackupRequest { Paths = { "/data/db" } });
        }

        var audit = await admin.ListAuditAsync(50);
        Assert.Contains(audit, a => a.Who == "ci-operator" && a.What == "StartBackup" && a.Target.Contains("/data/db", StringComparison.Ordinal) && a.Result == "OK");
        Assert.Contains(audit, a => a.Who == "bootstrap-admin" && a.What == "RevokeApiKey" && a.Target == "short-lived");
        Assert.Contains(audit, a => a.Who == "short-lived" && a.What == "StartBackup" && a.Result == "PermissionDenied");
        Assert.DoesNotContain(audit, a => a.What is "GetStatus" or "ListApiKeys");
    }

    [Fact]
    public async Task Rest_ErrorsAreProblemDetails_MalformedInputIsRefused_AndTheGatewayKeepsServing()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _operator);

        using var missing = await http.GetAsync("/api/v1/snapshots/abc");
        var problem = await AssertProblemAsync(missing, HttpStatusCode.NotFound);
        Assert.Equal("Not found", problem.GetProperty("title").GetString());
        Assert.Contains("abc", problem.GetProperty("detail").GetString());

        using var badJson = await http.PostAsync("/api/v1/backup", new StringContent("{\"paths\": [", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(badJson, HttpStatusCode.BadRequest);

        using var wrongType = await http.PostAsync("/api/v1/backup", new StringContent("{\"paths\": 5}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(wrongType, HttpStatusCode.BadRequest);

        using var relative = await http.PostAsync("/api/v1/backup", new StringContent("{\"paths\": [\"rel\"]}", Encoding.UTF8, "application/json"));
        Assert.Contains("must be absolute", (await AssertProblemAsync(relative, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());

        using var badPage = await http.GetAsync("/api/v1/snapshots?pageSize=5000");
        Assert.Contains("page_size", (await AssertProblemAsync(badPage, HttpStatusCode.BadRequest)).GetProperty("detail").GetString());

        var huge = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status");
        huge.Headers.Add("X-Padding", new string('a', 100_000));
        using var tooBigHeaders = await http.SendAsync(huge);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooBigHeaders.StatusCode);

        var body = new StringContent("{\"paths\": [\"/" + new string('a', 5 * 1024 * 1024) + "\"]}", Encoding.UTF8, "application/json");
        // With Expect: 100-continue the client waits for the verdict before sending the body.
        using var oversize = new HttpRequestMessage(HttpMethod.Post, "/api/v1/backup") { Content = body };
        oversize.Headers.ExpectContinue = true;
        using var tooBig = await http.SendAsync(oversize);
        await AssertProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge);

        using var status = await http.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Empty(_host.Node.Backups);
    }

    [Fact]
    public async Task Grpc_OversizeMessage_IsResourceExhausted()
    {
        using var op = Client(_operator);
        var request = new StartBackupRequest { Paths = { "/" + new string('a', 5 * 1024 * 1024) } };
        var e = await Assert.ThrowsAsync<VaultClientException>(() => op.StartBackupAsync(request));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Empty(_host.Node.Backups);
    }

    [Fact]
    public async Task OpenApi_DescribesTheRestRoutes()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        using var document = JsonDocument.Parse(await http.GetStringAsync("/api/v1/openapi.json"));
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/snapshots").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/backup").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/api/v1/keys/{name}").TryGetProperty("delete", out _));
        Assert.True(document.RootElement.GetProperty("components").GetProperty("schemas").TryGetProperty("Snapshot", out _));
    }

    [Fact]
    public async Task StreamBackupAndDump_RoundTripBytes_TruncatedUploadCommitsNothing()
    {
        var bytes = new byte[5 * 1024 * 1024 + 12345];
        new Random(7).NextBytes(bytes);
        using var op = Client(_operator);
        var snapshot = await op.BackupStreamAsync(new MemoryStream(bytes), "db.sql", ["nightly"]);
        Assert.Equal(["/db.sql"], snapshot.Paths);
        Assert.Equal(["nightly"], snapshot.Tags);

        using var reader = Client(_reader);
        var back = new MemoryStream();
        Assert.Equal(bytes.Length, await reader.DumpAsync(snapshot.Id, "/db.sql", back));
        Assert.Equal(bytes, back.ToArray());

        // A stream that ends without its completion message: refused, aborted, nothing added.
        var before = _host.Grains.Catalog.Snapshots.Count;
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var client = new VaultService.VaultServiceClient(channel);
        using var call = client.BackupStream(new Metadata { { "authorization", "Bearer " + _operator } });
        await call.RequestStream.WriteAsync(new BackupStreamChunk { Name = "cut.sql", Data = Google.Protobuf.ByteString.CopyFrom(bytes, 0, 3 * 1024 * 1024) });
        await call.RequestStream.CompleteAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("nothing was committed", e.Status.Detail);
        Assert.Equal(before, _host.Grains.Catalog.Snapshots.Count);
        Assert.Single(_host.Node.AbortedStreams);
        Assert.Empty(_host.Node.Streams);
    }

    [Fact]
    public async Task Stream_ClientGoesAway_SessionIsAborted()
    {
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var client = new VaultService.VaultServiceClient(channel);
        using var cts = new CancellationTokenSource();
        var call = client.BackupStream(new Metadata { { "authorization", "Bearer " + _operator } }, cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(new BackupStreamChunk { Name = "gone.sql", Data = Google.Protobuf.ByteString.CopyFrom(new byte[2 * 1024 * 1024]) });
        await WaitUntilAsync(() => !_host.Node.Streams.IsEmpty, "the stream session to open");
        await cts.CancelAsync();
        call.Dispose();
        await WaitUntilAsync(() => _host.Node.AbortedStreams.Count == 1 && _host.Node.Streams.IsEmpty, "the stream session to be aborted");
        Assert.Empty(_host.Grains.Catalog.Snapshots);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }

    private VaultClient Client(string? token) => new(_host.GrpcAddress, new VaultClientOptions { Token = token, ReadAttempts = 1 });

    private static HttpRequestMessage Request(HttpMethod verb, string path, string? token)
    {
        var request = new HttpRequestMessage(verb, path);
        if (verb == HttpMethod.Post || verb == HttpMethod.Put)
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem;
    }

    /// <summary>Calls an RPC by name with an empty request (and reads one response of a stream); returns the status.</summary>
    private async Task<StatusCode> RawCallAsync(string rpc, string? token)
    {
        var descriptor = VaultService.Descriptor.FindMethodByName(rpc);
        var type = (descriptor.IsClientStreaming, descriptor.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(type, VaultService.Descriptor.FullName, rpc, bytes, bytes);
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var invoker = channel.CreateCallInvoker();
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(10));
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, []);
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await call.RequestStream.CompleteAsync();
                        await call.ResponseAsync;
                    }

                    break;
                default:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, []))
                    {
                        await call.ResponseStream.MoveNext(CancellationToken.None);
                    }

                    break;
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}

/// <summary>Rate limits need a host of their own: a tight limit would disturb the other tests.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(new Dictionary<string, string?>
    {
        ["Vault:Gateway:RateLimit:RequestsPerSecond"] = "1",
        ["Vault:Gateway:RateLimit:Burst"] = "3",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task OverTheLimit_RestIs429ProblemAndGrpcIsResourceExhausted()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };
        var codes = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await http.GetAsync("/api/v1/status");
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        Assert.Contains(HttpStatusCode.OK, codes);
        Assert.NotNull(limited);
        await SecurityTests.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);

        // The REST calls above emptied this client address's bucket; with authentication off a token earns no bucket of its own.
        await using var fresh = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Vault:Gateway:RateLimit:RequestsPerSecond"] = "1",
            ["Vault:Gateway:RateLimit:Burst"] = "3",
        });
        using var client = new VaultClient(fresh.GrpcAddress, new VaultClientOptions { ReadAttempts = 1, Token = "some-key" });
        var statuses = new List<StatusCode>();
        for (var i = 0; i < 8; i++)
        {
            try
            {
                await client.GetStatusAsync();
                statuses.Add(StatusCode.OK);
            }
            catch (VaultClientException e)
            {
                statuses.Add(e.StatusCode);
            }
        }

        Assert.Contains(StatusCode.OK, statuses);
        Assert.Contains(StatusCode.ResourceExhausted, statuses);
    }
}

/// <summary>TLS from PEM files, with a certificate made by the test.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task SelfSignedCertificate_ServesTls_AndPlaintextClientsFail()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var dir = Directory.CreateTempSubdirectory("vault-tls-");
        try
        {
            var certFile = Path.Combine(dir.FullName, "cert.pem");
            var keyFile = Path.Combine(dir.FullName, "key.pem");
            await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
            {
                ["Vault:Gateway:Tls:CertificateFile"] = certFile,
                ["Vault:Gateway:Tls:KeyFile"] = keyFile,
            });
            Assert.Equal("https", host.GrpcAddress.Scheme);

            var thumbprint = certificate.Thumbprint;
            HttpClientHandler Trusting() => new() { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == thumbprint };
            using var client = new VaultClient(host.GrpcAddress, new VaultClientOptions { HttpHandler = Trusting(), ReadAttempts = 1 });
            Assert.Equal("default", (await client.GetStatusAsync()).RepositoryId);

            using var rest = new HttpClient(Trusting()) { BaseAddress = host.RestAddress };
            Assert.Equal(HttpStatusCode.OK, (await rest.GetAsync("/api/v1/status")).StatusCode);

            // Without trusting the certificate the handshake fails; a plaintext client gets no answer.
            using var untrusting = new VaultClient(host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1 });
            await Assert.ThrowsAsync<VaultClientException>(() => untrusting.GetStatusAsync());
            using var plain = new HttpClient { BaseAddress = new UriBuilder(host.RestAddress) { Scheme = "http" }.Uri };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync("/api/v1/status"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("0.0.0.0", false, null, "plaintext is refused outside loopback")]
    [InlineData("0.0.0.0", true, null, null)]
    [InlineData("127.0.0.1", false, null, null)]
    [InlineData("127.0.0.1", false, "sometimes", "Vault:Gateway:Auth is 'sometimes'; must be 'required' or 'off'")]
    public void Validate_RefusesPlaintextOutsideLoopback_NamingKeyValueAndRule(string bind, bool allowPlaintext, string? auth, string? expected)
    {
        var options = new GatewayOptions { AllowPlaintext = allowPlaintext, Auth = auth ?? "" };
        var errors = options.Validate(bind).ToList();
        if (expected is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        }
    }
}

/// <summary>CORS is off unless origins are configured, and then only for those origins.</summary>
public sealed class CorsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Preflight_IsAllowedOnlyForConfiguredOrigins(bool configured)
    {
        var settings = new Dictionary<string, string?>();
        if (configured)
        {
            settings["Vault:Gateway:Cors:Origins:0"] = "https://console.example";
        }

        await using var host = await GatewayHost.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = host.RestAddress };
        foreach (var origin in new[] { "https://console.example", "https://evil.example" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/status");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            using var response = await http.SendAsync(preflight);
            var allowed = response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Contains(origin);
            Assert.Equal(configured && origin == "https://console.example", allowed);
        }
    }
}
