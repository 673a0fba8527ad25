using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Vault.Client;
using Vault.V1;

namespace Vault.Surface.Tests;

/// <summary>
/// Anyone who can reach the port: junk tokens must neither push real records out of the audit log nor get
/// a rate-limit bucket each.
/// </summary>
public sealed class UnauthenticatedFloodTests : IAsyncDisposable
{
    private const string AdminToken = "bootstrap-admin-token-for-flood-tests-42";
    private readonly string _tokenFile = Path.GetTempFileName();

    public async ValueTask DisposeAsync()
    {
        File.Delete(_tokenFile);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task JunkTokens_1100Calls_LeaveTheAuditLogAlone_AndAreCountedApart()
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Vault:Gateway:Auth"] = "required",
            ["Vault:Gateway:AdminTokenFile"] = _tokenFile,
        });
        using var admin = new VaultClient(host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1, Token = AdminToken });
        var op = (await admin.CreateApiKeyAsync("nightly", Role.Operator)).Token;
        using (var operatorClient = new VaultClient(host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1, Token = op }))
        {
            await operatorClient.StartBackupAsync(new StartBackupRequest { Paths = { "/data/real" } });
        }

        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var raw = new VaultService.VaultServiceClient(channel);
        var refused = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 1100), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var headers = new Metadata { { "authorization", $"Bearer junk-{i:D5}-{Guid.NewGuid():N}" } };
            var e = await Assert.ThrowsAsync<RpcException>(() => raw.StartBackupAsync(new StartBackupRequest { Paths = { "/etc" } }, headers, cancellationToken: ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Interlocked.Increment(ref refused);
        });
        Assert.Equal(1100, refused);

        var audit = await raw.ListAuditAsync(new ListAuditRequest { Limit = 1000 }, new Metadata { { "authorization", $"Bearer {AdminToken}" } });
        Assert.Contains(audit.Entries, a => a.Who == "nightly" && a.What == "StartBackup" && a.Target.Contains("/data/real", StringComparison.Ordinal));
        Assert.Contains(audit.Entries, a => a.Who == "bootstrap-admin" && a.What == "CreateApiKey");
        Assert.DoesNotContain(host.Grains.Audit.Records, r => r.Who == "unauthenticated");
        var row = Assert.Single(audit.Refused, r => r.What == "StartBackup");
        Assert.Equal(1100, row.Count);
        Assert.Equal(IPAddress.Loopback.ToString(), row.Client);
        Assert.Contains("not valid", row.Reason, StringComparison.Ordinal);
        Assert.True(host.Grains.Refused.Batches < 50, $"{host.Grains.Refused.Batches} batches: refused calls must be aggregated before they reach the cluster");
    }

    [Fact]
    public async Task JunkTokens_ShareTheirClientAddressBucket_AValidKeyKeepsItsOwn()
    {
        await File.WriteAllTextAsync(_tokenFile, AdminToken + "\n");
        await using var host = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Vault:Gateway:Auth"] = "required",
            ["Vault:Gateway:AdminTokenFile"] = _tokenFile,
            ["Vault:Gateway:RateLimit:RequestsPerSecond"] = "1",
            ["Vault:Gateway:RateLimit:Burst"] = "5",
        });
        using var admin = new VaultClient(host.GrpcAddress, new VaultClientOptions { ReadAttempts = 1, Token = AdminToken });
        await admin.GetStatusAsync();

        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var raw = new VaultService.VaultServiceClient(channel);
        var codes = new List<StatusCode>();
        for (var i = 0; i < 30; i++)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() =>
                raw.GetStatusAsync(new GetStatusRequest(), new Metadata { { "authorization", $"Bearer junk-{Guid.NewGuid():N}" } }).ResponseAsync);
            codes.Add(e.StatusCode);
        }

        // One bucket of 5 for the address (one token spent by the admin's first call), one token a second: most junk calls are limited.
        Assert.True(codes.Count(c => c == StatusCode.ResourceExhausted) >= 20, string.Join(", ", codes));
        Assert.Equal("default", (await admin.GetStatusAsync()).RepositoryId);
    }
}
