using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// Stream backups and dumps through the real CLI and silo: bytes piped into `vault backup --stdin`
/// come back identical from `vault dump`; a CLI killed mid-upload commits nothing; and a silo with
/// authentication required works end to end with a key created through the CLI.
/// </summary>
public sealed class StreamEndToEndTests : TempRootTests
{
    private const long StreamBytes = 200L * 1024 * 1024;
    [Fact]
    public async Task StdinBackup_DumpGivesIdenticalBytes_AndAKilledUploadCommitsNothing()
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        await silo.StartAsync();

        var (backup, sent) = await PipeIntoCliAsync(silo, StreamBytes, killAfter: null, "backup", "--stdin", "--name", "db.sql", "--tag", "dump", "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        using var result = JsonDocument.Parse(backup.Stdout);
        var id = result.RootElement.GetProperty("snapshot").GetString()!;
        Assert.Equal(StreamBytes, result.RootElement.GetProperty("stats").GetProperty("bytesTotal").GetInt64());

        var ls = await Cli(silo, [], "ls", id);
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Contains("/db.sql", ls.Stdout);

        var (dump, received, length) = await DumpFromCliAsync(silo, [], "dump", id, "/db.sql");
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.Equal(StreamBytes, length);
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(received));

        // Kill the CLI after 64 MiB: no snapshot, and the node drops the session.
        var (killed, _) = await PipeIntoCliAsync(silo, StreamBytes, killAfter: 64L * 1024 * 1024, "backup", "--stdin", "--name", "cut.sql");
        Assert.NotEqual(0, killed.ExitCode);
        await WaitUntilAsync(() => silo.Log.Contains("aborted, nothing committed", StringComparison.Ordinal), "the silo to abort the cut-off stream session");
        var list = await Cli(silo, [], "snapshots", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Single(JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray());
        Assert.DoesNotContain("cut.sql", list.Stdout);
    }

    [Fact]
    public async Task AuthRequired_KeysThroughTheCli_GateEveryCommand()
    {
        const string admin = "e2e-bootstrap-admin-token-0123456789";
        await using var silo = new SiloProcess(Path.Combine(Root, "auth"));
        silo.ExtraArguments.AddRange(["--auth", "required", "--Vault:Restore:AllowedRoots:0=" + Path.Combine(Root, "restores")]);
        silo.ExtraEnvironment["VAULT_ADMIN_TOKEN"] = admin;
        await silo.StartAsync();

        var anonymous = await Cli(silo, [], "snapshots");
        Assert.True(anonymous.ExitCode == 7, anonymous.ToString());
        Assert.Contains("authentication required", anonymous.Stderr);

        var create = await Cli(silo, ["--token", admin], "keys", "create", "--name", "ops", "--role", "operator");
        Assert.True(create.ExitCode == 0, create.ToString());
        var token = create.Stdout.Trim();
        Assert.StartsWith("vault_", token);

        var env = new Dictionary<string, string> { ["VAULT_TOKEN"] = token };
        var (backup, _) = await PipeIntoCliAsync(silo, 3 * 1024 * 1024, killAfter: null, env, "backup", "--stdin", "--name", "small.bin");
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var outside = await Cli(silo, ["--token", token], "restore", "latest", "--target", Path.Combine(Root, "elsewhere"));
        Assert.True(outside.ExitCode == 1, outside.ToString());
        Assert.Contains("outside the allowed roots", outside.Stderr);
        var inside = await Cli(silo, ["--token", token], "restore", "latest", "--target", Path.Combine(Root, "restores", "r1"));
        Assert.True(inside.ExitCode == 0, inside.ToString());
        Assert.Equal(3 * 1024 * 1024, new FileInfo(Path.Combine(Root, "restores", "r1", "small.bin")).Length);

        var denied = await Cli(silo, ["--token", token], "keys", "list");
        Assert.True(denied.ExitCode == 7, denied.ToString());
        Assert.Contains("needs admin", denied.Stderr);

        var audit = await Cli(silo, ["--token", admin], "audit", "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains("\"who\":\"ops\",\"what\":\"BackupStream\"", audit.Stdout.Replace(" ", "", StringComparison.Ordinal));

        var revoke = await Cli(silo, ["--token", admin], "keys", "revoke", "ops");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        var after = await Cli(silo, ["--token", token], "snapshots");
        Assert.True(after.ExitCode == 7, after.ToString());
    }

    private static Task<RunResult> Cli(SiloProcess silo, string[] globals, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. globals, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    private static Task<(RunResult Result, byte[] Sha256)> PipeIntoCliAsync(SiloProcess silo, long bytes, long? killAfter, params string[] args) =>
        PipeIntoCliAsync(silo, bytes, killAfter, [], args);

    /// <summary>Runs the CLI with <paramref name="bytes"/> of incompressible data on stdin; kills it after <paramref name="killAfter"/> bytes.</summary>
    private static async Task<(RunResult Result, byte[] Sha256)> PipeIntoCliAsync(SiloProcess silo, long bytes, long? killAfter, Dictionary<string, string> env, params string[] args)
    {
        using var process = Start(silo, env, args, stdin: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        var random = new Random(42);
        long written = 0;
        try
        {
            var input = process.StandardInput.BaseStream;
            while (written < bytes)
            {
                if (killAfter is { } limit && written >= limit)
                {
                    process.Kill(entireProcessTree: true);
                    break;
                }

                var n = (int)Math.Min(buffer.Length, bytes - written);
                random.NextBytes(buffer.AsSpan(0, n));
                sha.AppendData(buffer, 0, n);
                await input.WriteAsync(buffer.AsMemory(0, n));
                written += n;
            }

            process.StandardInput.Close();
        }
        catch (IOException) when (killAfter is not null)
        {
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (new RunResult(process.ExitCode, await stdout, await stderr), sha.GetHashAndReset());
    }

    private static async Task<(RunResult Result, byte[] Sha256, long Length)> DumpFromCliAsync(SiloProcess silo, Dictionary<string, string> env, params string[] args)
    {
        using var process = Start(silo, env, args, stdin: false);
        var stderr = process.StandardError.ReadToEndAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        long length = 0;
        int n;
        while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            length += n;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(cts.Token);
        return (new RunResult(process.ExitCode, "", await stderr), sha.GetHashAndReset(), length);
    }

    private static Process Start(SiloProcess silo, Dictionary<string, string> env, string[] args, bool stdin)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        foreach (var a in (string[])[Binaries.Cli, "--gateway", silo.Gateway, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi)!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after 30 s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
