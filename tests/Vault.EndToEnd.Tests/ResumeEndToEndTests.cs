using System.Net.Http.Json;
using System.Text.Json;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// Resumable backups through the real silo: SIGKILL at about 70% of a large backup, then the next
/// backup of the same paths stores at most one checkpoint interval plus what was not stored at the
/// kill, and restores byte-identical. Sized for CI (384 MiB, 64 MiB checkpoints); the 2 GiB
/// measurement with the default 256 MiB (VAULT_RESUME_MIB=2048) is in docs/benchmarks.md.
/// </summary>
public sealed class ResumeEndToEndTests(Xunit.Abstractions.ITestOutputHelper output) : TempRootTests
{
    private const int FileSize = 24 * 1024 * 1024;

    // VAULT_RESUME_MIB (a measurement, not CI): that much data and the default checkpoint size.
    private static readonly int? MeasureMiB = int.TryParse(Environment.GetEnvironmentVariable("VAULT_RESUME_MIB"), out var mib) ? mib : null;
    private static readonly long CheckpointBytes = MeasureMiB is null ? 64L * 1024 * 1024 : 256L * 1024 * 1024;
    private static readonly int Files = MeasureMiB is { } m ? (int)Math.Ceiling(m / 24.0) : 16;

    [Fact]
    public async Task Backup_KilledAt70Percent_NextBackupStoresAtMostOneCheckpointPlusTheRest()
    {
        var source = Path.Combine(Root, "big");
        Directory.CreateDirectory(source);
        var random = new Random(17);
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"blob-{i:D2}.bin"), AwkwardTree.Bytes(random, FileSize));
        }

        var total = (long)Files * FileSize;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Checkpoints by size only: the interval is longer than this test.
        string[] settings = [$"--Vault:Checkpoint:Bytes={CheckpointBytes}", "--Vault:Checkpoint:Seconds=3600", "--Vault:Workers=2"];
        await using var silo = new SiloProcess(Path.Combine(Root, "data")) { ExtraArguments = [.. settings] };
        await silo.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(silo.Http) };
        var started = await http.PostAsJsonAsync("/api/v1/backup", new { paths = new[] { source } });
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        var jobId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        long storedAtKill = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(MeasureMiB is null ? 120 : 1200);
        var last = "";
        while (storedAtKill < total * 7 / 10)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{jobId}");
            last = job.ToString();
            Assert.True(job.GetProperty("state").GetString() is "JOB_STATE_RUNNING" or "running", $"the backup ended before 70%: {last}");
            storedAtKill = job.TryGetProperty("progress", out var p) && p.TryGetProperty("bytesStored", out var s) ? long.Parse(s.GetRawText().Trim('"')) : 0;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited until {deadline:O} for the backup to store 70% of {total} bytes; last seen: {last}");
            }

            await Task.Delay(10);
        }

        // Stored only grows, so the kill finds at least this much stored.
        silo.Kill();

        await using var restarted = new SiloProcess(silo.DataDir) { ExtraArguments = [.. settings] };
        await restarted.StartAsync();
        clock.Restart();
        var retry = await Vault(restarted, "backup", source, "--json");
        var resumeSeconds = clock.Elapsed.TotalSeconds;
        Assert.True(retry.ExitCode == 0, retry.ToString());
        var stats = JsonDocument.Parse(retry.Stdout).RootElement.GetProperty("stats");
        var stored = stats.GetProperty("bytesStored").GetInt64();
        // Work lost: at most one checkpoint interval, plus what was not stored when the silo died
        // (plus pack framing and the trees: well under 1%).
        var bound = CheckpointBytes + (total - storedAtKill) + (total / 100);
        output.WriteLine($"total {total} B, checkpoint {CheckpointBytes} B, stored at the kill {storedAtKill} B, stored by the resumed backup {stored} B in {resumeSeconds:F1} s (bound {bound} B)");
        Assert.True(stored <= bound, $"the resumed backup stored {stored} bytes; at most {bound} expected ({storedAtKill} of {total} stored at the kill)");
        Assert.True(stats.GetProperty("chunksDeduplicated").GetInt64() > 0, retry.Stdout);

        var target = Path.Combine(Root, "restored");
        var restore = await Vault(restarted, "restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target + source));
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" }, TimeSpan.FromSeconds(MeasureMiB is null ? 180 : 1800));
}
