using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// Garbage collection through the real silo and CLI: a silo killed (SIGKILL) while a GC run has
/// already condemned unreferenced data leaves a repository that restores everything kept, and the
/// next `vault prune` ends the interrupted run and frees the data.
/// </summary>
public sealed class GcEndToEndTests : TempRootTests
{
    [Fact]
    public async Task Silo_KilledDuringGc_NextPruneFinishesTheWork()
    {
        var kept = Path.Combine(Root, "kept");
        AwkwardTree.Create(kept, largeFileSize: 300_000);
        var gone = Path.Combine(Root, "gone");
        Directory.CreateDirectory(gone);
        var random = new Random(3);
        for (var i = 0; i < 4; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(gone, $"g{i}.bin"), AwkwardTree.Bytes(random, 6 * 1024 * 1024));
        }

        await using var silo = new SiloProcess(Path.Combine(Root, "data"))
        {
            ExtraArguments = ["--Vault:Gc:LeaseSeconds=8", "--Vault:Gc:TrashDelaySeconds=0"],
        };
        await silo.StartAsync();
        var keptId = await BackupAsync(silo, kept);
        var goneId = await BackupAsync(silo, gone);
        var forget = await Vault(silo, "forget", goneId);
        Assert.True(forget.ExitCode == 0, forget.ToString());
        var packsBefore = PackBytes(silo.DataDir);

        // An open stream upload holds a backup lease: GC condemns, then waits for it.
        using var upload = StartCli(silo, "backup", "--stdin", "--name", "held.bin");
        await upload.StandardInput.BaseStream.WriteAsync(AwkwardTree.Bytes(random, 2 * 1024 * 1024));
        await upload.StandardInput.BaseStream.FlushAsync();
        using var http = new HttpClient { BaseAddress = new Uri(silo.Http) };
        await WaitUntilAsync(async () =>
        {
            var status = await http.GetFromJsonAsync<JsonElement>("/api/v1/status");
            return status.GetProperty("nodes").EnumerateArray().Any(n => n.TryGetProperty("runningJobs", out var r) && r.GetInt32() > 0);
        }, "the upload to open its session");
        var prune = await Vault(silo, "prune", "--no-wait", "--json");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        await WaitUntilAsync(async () =>
        {
            var gc = await http.GetFromJsonAsync<JsonElement>("/api/v1/gc/status");
            return gc.TryGetProperty("current", out var c) && c.GetProperty("phase").GetString() == "waiting_for_backups";
        }, "GC to wait for the upload");

        silo.Kill();
        upload.Kill(entireProcessTree: true);

        await using var restarted = new SiloProcess(silo.DataDir) { ExtraArguments = silo.ExtraArguments };
        await restarted.StartAsync();
        var status = await Vault(restarted, "gc", "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var doc = JsonDocument.Parse(status.Stdout))
        {
            var last = doc.RootElement.GetProperty("last");
            Assert.Equal("failed", last.GetProperty("outcome").GetString());
            Assert.Contains("interrupted", last.GetProperty("error").GetString());
        }

        // Entries the killed run condemned were never deleted: the kept snapshot restores, and a
        // backup of the same tree is whole again.
        var target = Path.Combine(Root, "restored");
        var restore = await Vault(restarted, "restore", keptId, "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(kept, target + kept));

        var second = await Vault(restarted, "prune", "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        using (var doc = JsonDocument.Parse(second.Stdout))
        {
            var run = doc.RootElement;
            Assert.Equal("succeeded", run.GetProperty("outcome").GetString());
            Assert.True(run.GetProperty("packsDeleted").GetInt64() > 0, second.Stdout);
        }

        Assert.True(PackBytes(silo.DataDir) < packsBefore - (16L * 1024 * 1024), $"{PackBytes(silo.DataDir)} bytes of packs after prune, {packsBefore} before");
        var again = Path.Combine(Root, "restored-again");
        var restoreAgain = await Vault(restarted, "restore", keptId, "--target", again);
        Assert.True(restoreAgain.ExitCode == 0, restoreAgain.ToString());
        Assert.Empty(AwkwardTree.Differences(kept, again + kept));
        var snapshots = await Vault(restarted, "snapshots", "--json");
        Assert.DoesNotContain(goneId, snapshots.Stdout);
    }

    private static long PackBytes(string dataDir) =>
        Directory.EnumerateFiles(Path.Combine(dataDir, "packs"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/trash/", StringComparison.Ordinal))
            .Sum(f => new FileInfo(f).Length);

    private static async Task<string> BackupAsync(SiloProcess silo, string path)
    {
        var result = await Vault(silo, "backup", path, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.GetProperty("snapshot").GetString()!;
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    private static Process StartCli(SiloProcess silo, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Binaries.Cli, "--gateway", silo.Gateway, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        return Process.Start(psi)!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }
}
