using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Vault.Cli;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Surface.Tests;

/// <summary>The CLI in-process, through the real client SDK and the real gateway, over fake grains.</summary>
public sealed class CliEndToEndTests : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task BackupResolvesPathsAndPrintsSummary()
    {
        var excludes = Path.GetTempFileName();
        await File.WriteAllLinesAsync(excludes, ["# caches", "", "*.cache"]);
        try
        {
            var result = await RunAsync("backup", "docs", "/etc", "--tag", "daily", "-t", "x", "--exclude", "*.tmp", "--exclude-file", excludes, "--force");

            Assert.Equal(0, result.ExitCode);
            var request = Assert.Single(_host.Node.Backups);
            Assert.Equal(["/home/me/docs", "/etc"], request.Paths);
            Assert.Equal(["daily", "x"], request.Tags);
            Assert.Equal(["*.tmp", "*.cache"], request.Excludes);
            Assert.True(request.Force);
            var snapshot = Assert.Single(_host.Grains.Catalog.Snapshots);
            Assert.Contains($"snapshot {snapshot.Id.Short} saved", result.Out);
            Assert.Contains("6 new or changed, 4 unchanged", result.Out);
            Assert.Contains("2.0 KiB added", result.Out);
            Assert.DoesNotContain("\r", result.Out);
            Assert.Equal("", result.Error);
        }
        finally
        {
            File.Delete(excludes);
        }
    }

    [Fact]
    public async Task InteractiveBackupDrawsProgress()
    {
        _host.Node.PollsToFinish = 4;

        var result = await RunAsync(interactive: true, "backup", "/data");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\rfiles 1/10", result.Out);
        Assert.Contains("MiB/s", result.Out);
    }

    [Fact]
    public async Task IncompleteBackupExitsThreeWithWarningsAndJson()
    {
        _host.Node.BackupErrors = 2;

        var result = await RunAsync("--json", "backup", "/data");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("vault: warning: /data/locked0: permission denied", result.Error);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(_host.Grains.Catalog.Snapshots[0].Id.ToString(), json.RootElement.GetProperty("snapshot").GetString());
        Assert.True(json.RootElement.GetProperty("incomplete").GetBoolean());
        Assert.Equal(2, json.RootElement.GetProperty("warnings").GetArrayLength());
        Assert.Equal(2048, json.RootElement.GetProperty("stats").GetProperty("bytesStored").GetInt64());
    }

    [Fact]
    public async Task FailedBackupExitsOne()
    {
        _host.Node.FailWith = "disk full";

        var result = await RunAsync("backup", "/data");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("vault: error: backup failed: disk full\n", result.Error);
    }

    [Fact]
    public async Task CtrlCCancelsTheJobOnTheServer()
    {
        _host.Node.PollsToFinish = int.MaxValue;
        using var cancel = new CancellationTokenSource();
        var run = RunAsync(cancel.Token, false, ["backup", "/data"]);
        // Cancel only once the CLI is watching the job (it has polled it), not after a guessed delay.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_host.Node.JobPolls == 0 && !run.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the CLI to start watching the backup job");
            await Task.Delay(20);
        }

        Assert.Single(_host.Node.Backups);
        await cancel.CancelAsync();
        var result = await run;

        Assert.Equal(130, result.ExitCode);
        Assert.Single(_host.Node.Cancelled);
        Assert.Contains("cancelled", result.Error);
    }

    [Fact]
    public async Task SnapshotsTableAndJson()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);

        var table = await RunAsync("snapshots", "--tag", "daily");
        Assert.Equal(0, table.ExitCode);
        var lines = table.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("ID", lines[0]);
        Assert.StartsWith(_host.Grains.Catalog.Snapshots[0].Id.Short, lines[1]);

        var json = await RunAsync("snapshots", "--json", "--node", "node-b");
        Assert.Equal("[]\n", json.Out);

        var all = await RunAsync("--json", "snapshots");
        using var document = JsonDocument.Parse(all.Out);
        Assert.Equal(2, document.RootElement.GetArrayLength());
        Assert.Equal(10240, document.RootElement[0].GetProperty("stats").GetProperty("bytesTotal").GetInt64());
    }

    [Fact]
    public async Task LsListsEntriesOfTheResolvedSnapshot()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        _host.Node.Files.Add(new FileEntryInfo("/data", NodeType.Directory, 0x1ED, 0, 0, null, 0, 0));
        _host.Node.Files.Add(new FileEntryInfo("/data/a.txt", NodeType.File, 0x1A4, 2048, 1_700_000_000_000_000_000, null, 1000, 1000));

        var text = await RunAsync("ls", "latest", "data", "--non-recursive");
        Assert.Equal(0, text.ExitCode);
        Assert.Equal((_host.Grains.Catalog.Snapshots[0].Id, "/data", false), _host.Node.LastListing);
        var lines = text.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("drwxr-xr-x", lines[0]);
        Assert.EndsWith("/data/a.txt", lines[1]);
        Assert.Contains("2.0 KiB", lines[1]);

        var json = await RunAsync("ls", "--json", _host.Grains.Catalog.Snapshots[0].Id.Short);
        var entries = json.Out.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l)).ToList();
        Assert.Equal("file", entries[1].RootElement.GetProperty("type").GetString());
        Assert.Equal(2048, entries[1].RootElement.GetProperty("size").GetInt64());
        Assert.Equal(("/", true), (_host.Node.LastListing!.Value.Path, _host.Node.LastListing!.Value.Recursive));
    }

    [Fact]
    public async Task RestoreMakesTargetAbsolute()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);

        var result = await RunAsync("restore", "latest", "--target", "out", "--include", "data/a");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(_host.Node.Restores);
        Assert.Equal("/home/me/out", request.Target);
        Assert.Equal(["/data/a"], request.Includes);
        Assert.Equal(_host.Grains.Catalog.Snapshots[0].Id, request.Snapshot);
        Assert.Contains("restored snapshot", result.Out);
    }

    [Fact]
    public async Task StatusShowsRepositoryAndNodes()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);

        var text = await RunAsync("status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("snapshots:  1", text.Out);
        Assert.Contains("mode:       embedded", text.Out);
        Assert.Contains("node-a", text.Out);

        var json = await RunAsync("status", "--json");
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(1, document.RootElement.GetProperty("snapshotCount").GetInt64());
        Assert.Equal("silo-1", document.RootElement.GetProperty("nodes")[0].GetProperty("silo").GetString());
    }

    [Theory]
    [InlineData(5, "nothing")]
    [InlineData(1, "")]
    public async Task UnknownSnapshotIsNotFound(int exitCode, string reference)
    {
        var result = await RunAsync("ls", reference);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith("vault: error: ", result.Error);
        Assert.Equal(1, result.Error.Count(c => c == '\n'));
    }

    [Fact]
    public async Task AmbiguousPrefixIsAnError()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);

        var prefix = _host.Grains.Catalog.Snapshots[0].Id.ToString()[..6];
        Assert.StartsWith(prefix, _host.Grains.Catalog.Snapshots[1].Id.ToString());

        var result = await RunAsync("restore", prefix, "--target", "/t");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("matches 2 snapshots", result.Error);
    }

    [Fact]
    public async Task CorruptionExitsSix()
    {
        _host.Grains.Catalog.Failure = new CorruptDataException("pack 0123 failed verification");

        var result = await RunAsync("snapshots");

        Assert.Equal(6, result.ExitCode);
        Assert.Equal("vault: error: pack 0123 failed verification\n", result.Error);
    }

    [Fact]
    public async Task UnexpectedServerFailureLeaksNothing()
    {
        _host.Grains.Catalog.Failure = new InvalidOperationException("secret at Vault.Grains.Something()");

        var result = await RunAsync("status");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("secret", result.Error);
        Assert.DoesNotContain(" at ", result.Error);
    }

    [Fact]
    public async Task UnreachableGatewayExitsFour()
    {
        var port = FreePort();
        var gateway = $"http://127.0.0.1:{port}";

        var result = await RunAsync(CancellationToken.None, false, ["status", "--gateway", gateway], _ => null);

        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith($"vault: cannot reach the gateway at {gateway}: ", result.Error);
    }

    [Fact]
    public async Task GatewayComesFromTheEnvironment()
    {
        var result = await RunAsync(CancellationToken.None, false, ["status"],
            name => name == "VAULT_GATEWAY" ? _host.GrpcAddress.ToString() : null, useDefaultGateway: false);

        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData("backup")]
    [InlineData("restore", "latest")]
    [InlineData("ls")]
    [InlineData("frobnicate")]
    [InlineData("snapshots", "--bogus")]
    [InlineData("status", "--gateway", "ftp://x")]
    [InlineData("backup", "/x", "--exclude-file", "/nonexistent/excludes")]
    public async Task UsageErrorsExitTwo(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("vault: error: ", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task HelpDocumentsExitCodes()
    {
        var result = await RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("130", result.Out);
        Assert.Contains("gateway cannot be reached", result.Out);
    }

    [Fact]
    public async Task ForgetDryRunShowsEachSnapshotWithReasonsAndChangesNothing()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        var (older, newer) = (_host.Grains.Catalog.Snapshots[0], _host.Grains.Catalog.Snapshots[1]);

        var result = await RunAsync("forget", "--keep-last", "1", "--keep-daily", "-1", "--group-by", "none", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal("all snapshots:", lines[0]);
        Assert.Matches("^ID +TIME +ACTION +REASONS$", lines[1]);
        Assert.Matches($"^{newer.Id.Short}  .*  keep    last snapshot$", lines[2]);
        Assert.Matches($"^{older.Id.Short}  .*  remove$", lines[3]);
        Assert.Equal("dry run: would keep 1 snapshot and remove 1 snapshot; nothing was changed", lines[^1]);
        var request = Assert.Single(_host.Grains.Catalog.Forgets);
        Assert.Equal((1, -1, Vault.Retention.RetentionGrouping.None, true), (request.Policy!.KeepLast, request.Policy.KeepDaily, request.Policy.GroupBy, request.DryRun));
        Assert.Equal(2, _host.Grains.Catalog.Snapshots.Count);
    }

    [Fact]
    public async Task ForgetByIdRemovesItAndWritesJson()
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);
        var older = _host.Grains.Catalog.Snapshots[0];

        var result = await RunAsync("--json", "forget", older.Id.Short);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal((0, 1, false), (json.RootElement.GetProperty("kept").GetInt32(), json.RootElement.GetProperty("removed").GetInt32(), json.RootElement.GetProperty("dryRun").GetBoolean()));
        var decision = json.RootElement.GetProperty("groups")[0].GetProperty("snapshots")[0];
        Assert.Equal(older.Id.ToString(), decision.GetProperty("snapshot").GetProperty("id").GetString());
        Assert.Equal("named", decision.GetProperty("reasons")[0].GetString());
        Assert.DoesNotContain(_host.Grains.Catalog.Snapshots, s => s.Id == older.Id);

        var text = await RunAsync("forget", "latest");
        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith("node node-a, paths /data:\n", text.Out);
        Assert.EndsWith("kept 0 snapshots, removed 1 snapshot\n", text.Out);
        Assert.Empty(_host.Grains.Catalog.Snapshots);
    }

    [Theory]
    [InlineData(2, "vault: error: forget needs a policy", "forget")]
    [InlineData(2, "vault: error: forget needs a policy", "forget", "--group-by", "tags", "--tag", "daily")]
    [InlineData(1, "vault: error: keep-within '7x' has an unknown unit 'x'", "forget", "--keep-within", "7x")]
    [InlineData(1, "vault: error: keep-weekly is -3", "forget", "--keep-weekly", "-3")]
    [InlineData(5, "vault: error: no snapshot matches 'abcdef'", "forget", "abcdef")]
    public async Task ForgetRefusesBadInputWithItsExitCode(int exitCode, string error, params string[] args)
    {
        Assert.Equal(0, (await RunAsync("backup", "/data")).ExitCode);

        var result = await RunAsync(args);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith(error, result.Error);
        Assert.Equal("", result.Out);
        Assert.Single(_host.Grains.Catalog.Snapshots);
    }

    private Task<CliResult> RunAsync(params string[] args) => RunAsync(CancellationToken.None, false, args);

    private Task<CliResult> RunAsync(bool interactive, params string[] args) => RunAsync(CancellationToken.None, interactive, args);

    private async Task<CliResult> RunAsync(CancellationToken cancellationToken, bool interactive, string[] args,
        Func<string, string?>? variables = null, bool useDefaultGateway = true)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment
        {
            Out = output,
            Error = error,
            Interactive = interactive,
            CurrentDirectory = "/home/me",
            TimeZone = TimeZoneInfo.Utc,
            GetVariable = variables ?? (name => name == CliEnvironment.GatewayVariable && useDefaultGateway ? _host.GrpcAddress.ToString() : null),
            CancelTimeout = TimeSpan.FromSeconds(5),
        };
        var exitCode = await VaultCli.RunAsync(args, environment, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record CliResult(int ExitCode, string Out, string Error);
}
