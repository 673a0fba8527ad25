extern alias gateway;

using System.Net;
using System.Text;
using System.Text.Json;
using gateway::Vault.Gateway;
using Grpc.Core;
using Vault.Cli;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Surface.Tests;

/// <summary>
/// A job's typed failure travels from the grain to the CLI's exit code and the REST job document
/// through the one table (ErrorTable → gRPC status → exit code / problem type).
/// </summary>
public sealed class JobFailureSurfaceTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<ErrorCode, int> RestoreCases => new()
    {
        { ErrorCode.Corruption, ExitCodes.Corruption },
        { ErrorCode.NotFound, ExitCodes.NotFound },
        { ErrorCode.InvalidRequest, ExitCodes.Error },
        { ErrorCode.WrongPassword, ExitCodes.Error },
        { ErrorCode.Cancelled, ExitCodes.Cancelled },
        { ErrorCode.Internal, ExitCodes.Error },
    };

    [Theory]
    [MemberData(nameof(RestoreCases))]
    public async Task Restore_JobFailsWithCode_ExitsWithTheDocumentedCode(ErrorCode code, int exit)
    {
        await SeedSnapshotAsync();
        _host.Node.FailWith = $"failure of kind {code}";
        _host.Node.FailCode = code;

        var result = await CliRunner.RunAsync(_host, "restore", "latest", "--target", "/t");

        Assert.Equal(exit, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vault: error: ", result.Error);
    }

    [Fact]
    public async Task Backup_CorruptionFailure_ExitsSix()
    {
        _host.Node.FailWith = "chunk 12 of /data/x cannot be read: pack 34: the SHA-256 of its bytes is wrong";
        _host.Node.FailCode = ErrorCode.Corruption;

        var result = await CliRunner.RunAsync(_host, "backup", "/data");

        Assert.Equal(ExitCodes.Corruption, result.ExitCode);
        Assert.Equal($"vault: error: backup failed: {_host.Node.FailWith}\n", result.Error);
    }

    [Fact]
    public async Task Check_FailureWithoutProblems_ExitsByItsCode()
    {
        _host.Node.FailWith = "no snapshot catalog";
        _host.Node.FailCode = ErrorCode.NotFound;

        var result = await CliRunner.RunAsync(_host, "check");

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
    }

    [Fact]
    public async Task Rest_FailedJob_CarriesCodeAndStatus()
    {
        _host.Node.FailWith = "chunk 1 in pack 2 failed verification";
        _host.Node.FailCode = ErrorCode.Corruption;
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        var started = await http.PostAsync("/api/v1/backup", new StringContent("""{"paths":["/data"]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        JsonElement job;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            job = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/jobs/{id}")).RootElement;
            if (job.GetProperty("state").GetString() != "JOB_STATE_RUNNING")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} still running; last seen {job}");
        }

        var failure = job.GetProperty("failure");
        Assert.Equal("corruption", failure.GetProperty("code").GetString());
        Assert.Equal((int)StatusCode.DataLoss, failure.GetProperty("status").GetInt32());
        Assert.Equal(_host.Node.FailWith, failure.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Rest_ProblemType_NamesTheErrorCode()
    {
        using var http = new HttpClient { BaseAddress = _host.RestAddress };

        var missing = await http.GetAsync("/api/v1/snapshots/abc");
        var bad = await http.PostAsync("/api/v1/restore", new StringContent("""{"snapshot":"latest","target":"relative"}""", Encoding.UTF8, "application/json"));
        _host.Grains.Catalog.Failure = new CorruptDataException("pack 0123 failed verification");
        var corrupt = await http.GetAsync("/api/v1/snapshots");

        Assert.Equal("urn:vault:error:not-found", await TypeAsync(missing));
        Assert.Equal("urn:vault:error:invalid-request", await TypeAsync(bad));
        Assert.Equal("urn:vault:error:corruption", await TypeAsync(corrupt));
    }

    [Fact]
    public async Task StreamName_LongerThan255Utf8Bytes_IsRefusedByTheCliBeforeReadingInput()
    {
        // 100 characters, 300 bytes in UTF-8: within the old limit of 255 characters.
        var name = string.Concat(Enumerable.Repeat("日", 100));
        var input = new CountingStream(new byte[4 * 1024 * 1024]);

        var result = await CliRunner.RunAsync(_host, () => input, "backup", "--stdin", "--name", name);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("300 bytes in UTF-8", result.Error);
        Assert.Equal(0, input.BytesRead);
        Assert.Empty(_host.Node.Streams);
    }

    [Fact]
    public async Task StreamName_LongerThan255Utf8Bytes_IsRefusedByTheGatewayBeforeAnySession()
    {
        var name = string.Concat(Enumerable.Repeat("é", 200)); // 400 bytes
        using var client = new Vault.Client.VaultClient(_host.GrpcAddress, new Vault.Client.VaultClientOptions());

        var e = await Assert.ThrowsAsync<Vault.Client.VaultClientException>(() => client.BackupStreamAsync(new MemoryStream(new byte[1024 * 1024]), name));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("400 bytes in UTF-8", e.Message);
        Assert.Empty(_host.Node.Streams);
    }

    [Fact]
    public void OneTable_StorageAndGatewayMapWrongPasswordAlike()
    {
        var wrong = new WrongPasswordException("the password does not open the repository");
        var translated = ErrorTable.ToVaultException(wrong);

        Assert.IsType<PasswordRejectedException>(translated);
        Assert.Equal(GatewayErrors.ToStatus(wrong).Status.StatusCode, GatewayErrors.ToStatus(translated).Status.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, GatewayErrors.ToStatus(translated).Status.StatusCode);
    }

    [Fact]
    public void OneTable_EveryCodeHasAStatusAndAName()
    {
        foreach (var code in Enum.GetValues<ErrorCode>())
        {
            Assert.Equal(code, ErrorTable.FromName(ErrorTable.Name(code)));
            Assert.True(code == ErrorCode.Internal || GatewayErrors.ToStatusCode(code) != StatusCode.Internal, $"{code} has no status of its own");
        }
    }

    private static async Task<string?> TypeAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("type").GetString();
    }

    private async Task SeedSnapshotAsync()
    {
        Assert.Equal(0, (await CliRunner.RunAsync(_host, "backup", "/data")).ExitCode);
    }

    /// <summary>Standard input that counts what the CLI read of it.</summary>
    private sealed class CountingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Count(base.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(base.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await base.ReadAsync(buffer, cancellationToken));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await base.ReadAsync(buffer, offset, count, cancellationToken));

        private int Count(int n)
        {
            BytesRead += n;
            return n;
        }
    }
}
