extern alias gateway;

using Grpc.Core;
using Grpc.Net.Client;
using Vault.Client;
using Vault.V1;
using RpcPolicy = gateway::Vault.Gateway.RpcPolicy;

namespace Vault.Surface.Tests;

/// <summary>Append-only keys, API-key rotation with overlap and the repository password, through a real Kestrel server.</summary>
public sealed class KeyRotationSecurityTests : IAsyncLifetime
{
    private const string AdminToken = "bootstrap-admin-token-for-rotation-0123456789";
    private readonly string _tokenFile = Path.GetTempFileName();
    private GatewayHost _host = null!;
    private string _appendOnly = "";

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        _host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Vault:Gateway:Auth"] = "required",
            ["Vault:Gateway:AdminTokenFile"] = _tokenFile,
        });
        using var admin = Client(AdminToken);
        _appendOnly = (await admin.CreateApiKeyAsync("ci-append", Role.AppendOnly)).Token;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_tokenFile);
    }

    public static TheoryData<string> Rpcs() => SecurityTests.Rpcs();

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task AppendOnlyKey_EveryRpcButBackupAndItsJob_IsRefusedAndAudited(string rpc)
    {
        var status = await RawRpc.CallAsync(_host.GrpcAddress, rpc, _appendOnly);
        if (RpcPolicy.Rules[rpc].AppendOnly)
        {
            Assert.NotEqual(StatusCode.PermissionDenied, status);
            Assert.NotEqual(StatusCode.Unauthenticated, status);
            return;
        }

        Assert.Equal(StatusCode.PermissionDenied, status);
        lock (_host.Grains.Audit.Records)
        {
            Assert.Contains(_host.Grains.Audit.Records, r => r.Who == "ci-append" && r.What == rpc && r.Result == "PermissionDenied");
        }
    }

    [Fact]
    public void AppendOnly_MaySeeNoSnapshotDataAndDeleteNothing()
    {
        // The RPCs an append-only key may call: starting a backup and following its job.
        var allowed = RpcPolicy.Rules.Where(r => r.Value.AppendOnly).Select(r => r.Key).Order(StringComparer.Ordinal);
        Assert.Equal(["BackupStream", "GetJob", "StartBackup", "WatchJob"], allowed);
    }

    [Fact]
    public async Task AppendOnlyKey_StartsABackupAndFollowsItsJob()
    {
        using var client = Client(_appendOnly);
        var job = await client.StartBackupAsync(new StartBackupRequest { Paths = { "/data" } });
        var again = await client.GetJobAsync(job.Id);
        Assert.Equal(job.Id, again.Id);
        var denied = await Assert.ThrowsAsync<VaultClientException>(() => client.ListSnapshotsAsync());
        Assert.Contains("has role append-only", denied.Message);
    }

    [Fact]
    public async Task RotateApiKey_NewTokenWorks_OldOneUntilTheOverlapEnds()
    {
        using var admin = Client(AdminToken);
        var old = (await admin.CreateApiKeyAsync("rotating", Role.Reader)).Token;

        var rotated = await admin.RotateApiKeyAsync("rotating", TimeSpan.FromSeconds(2));
        Assert.NotEqual(old, rotated.Token);
        Assert.NotNull(rotated.Key.PreviousTokenValidUntil);
        Assert.Equal(StatusCode.OK, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", rotated.Token));
        Assert.Equal(StatusCode.OK, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", old));

        // The overlap ends: the old token stops, the new one keeps working.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        StatusCode last;
        while ((last = await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", old)) != StatusCode.Unauthenticated)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the old token still answered {last} 30 s after a 2 s overlap");
            await Task.Delay(100);
        }

        Assert.Equal(StatusCode.OK, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", rotated.Token));
        lock (_host.Grains.Audit.Records)
        {
            Assert.Contains(_host.Grains.Audit.Records, r => r.What == "RotateApiKey" && r.Target.StartsWith("rotating", StringComparison.Ordinal) && r.Result == "OK");
        }
    }

    [Fact]
    public async Task RotateApiKey_NoOverlap_OldTokenStopsAtOnce_AndASecondRotationEndsTheFirstOverlap()
    {
        using var admin = Client(AdminToken);
        var first = (await admin.CreateApiKeyAsync("rotating-now", Role.Reader)).Token;
        var second = (await admin.RotateApiKeyAsync("rotating-now", TimeSpan.FromHours(1))).Token;
        Assert.Equal(StatusCode.OK, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", first));

        var third = (await admin.RotateApiKeyAsync("rotating-now", TimeSpan.Zero)).Token;
        Assert.Equal(StatusCode.Unauthenticated, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", first));
        Assert.Equal(StatusCode.Unauthenticated, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", second));
        Assert.Equal(StatusCode.OK, await RawRpc.CallAsync(_host.GrpcAddress, "GetStatus", third));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2592001)]
    public async Task RotateApiKey_OverlapOutOfRange_IsRefusedNamingTheLimit(long seconds)
    {
        using var admin = Client(AdminToken);
        await admin.CreateApiKeyAsync("rotating-bad-" + (seconds < 0 ? "neg" : "big"), Role.Reader);
        var e = await Assert.ThrowsAsync<VaultClientException>(() => admin.RotateApiKeyAsync("rotating-bad-" + (seconds < 0 ? "neg" : "big"), TimeSpan.FromSeconds(seconds)));
        Assert.Contains("overlap_seconds", e.Message);
    }

    [Fact]
    public async Task ChangePassword_WrongOldPassword_IsRefused_RightOneChangesIt()
    {
        using var admin = Client(AdminToken);
        var wrong = await Assert.ThrowsAsync<VaultClientException>(() => admin.ChangePasswordAsync("not the password", "new password"));
        Assert.Contains("old password does not open", wrong.Message);
        Assert.Equal("repository password", _host.Grains.RepositoryKey.Password);

        Assert.Equal("data directory", await admin.ChangePasswordAsync("repository password", "new password"));
        Assert.Equal("new password", _host.Grains.RepositoryKey.Password);
        lock (_host.Grains.Audit.Records)
        {
            var record = Assert.Single(_host.Grains.Audit.Records, r => r.What == "ChangePassword" && r.Result == "OK");
            Assert.DoesNotContain("password", record.Target + record.Detail, StringComparison.Ordinal);
        }
    }

    private VaultClient Client(string? token) => new(_host.GrpcAddress, new VaultClientOptions { Token = token, ReadAttempts = 1 });
}

/// <summary>Calls an RPC by name with an empty request (and reads one response of a stream); returns the status.</summary>
internal static class RawRpc
{
    public static async Task<StatusCode> CallAsync(Uri address, string rpc, string? token)
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
        using var channel = GrpcChannel.ForAddress(address);
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
