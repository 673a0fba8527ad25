using System.Diagnostics;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// A restore that meets a damaged pack, through the real silo and CLI: it ends promptly with exit 6
/// and one line naming the pack and a chunk; an unknown snapshot is exit 5.
/// </summary>
public sealed class RestoreFailureEndToEndTests : TempRootTests
{
    [Fact]
    public async Task Restore_ByteFlippedInLargestPack_ExitsSixNamingPackAndChunk()
    {
        // 40 MiB in 40 files, 1 MiB packs: dozens of packs.
        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        var random = new Random(11);
        for (var i = 0; i < 40; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), AwkwardTree.Bytes(random, 1024 * 1024));
        }

        var data = Path.Combine(Root, "data");
        string[] small = ["--Vault:Chunking:MinSize=65536", "--Vault:Chunking:AvgSize=262144", "--Vault:Chunking:MaxSize=1048576", "--Vault:Repository:PackSize=1048576"];
        await using (var silo = new SiloProcess(data) { ExtraArguments = [.. small], ReadyTimeout = TimeSpan.FromSeconds(180) })
        {
            await silo.StartAsync();
            var backup = await Vault(silo, "backup", source);
            Assert.True(backup.ExitCode == 0, backup.ToString());
        }

        // Node stopped: flip one byte in the middle of the largest pack, as a failing disk would.
        var packs = Directory.EnumerateFiles(Path.Combine(data, "packs"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Length == 64).ToList();
        Assert.True(packs.Count > 10, $"{packs.Count} packs; the test needs many");
        var victim = packs.OrderByDescending(p => new FileInfo(p).Length).First();
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(victim, bytes);

        await using var restarted = new SiloProcess(data) { ExtraArguments = [.. small], ReadyTimeout = TimeSpan.FromSeconds(180) };
        await restarted.StartAsync();
        var clock = Stopwatch.StartNew();
        var restore = await Vault(restarted, "restore", "latest", "--target", Path.Combine(Root, "target"));
        clock.Stop();

        Assert.True(restore.ExitCode == 6, restore.ToString());
        var line = Assert.Single(restore.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("vault: error: restore failed: chunk ", line);
        Assert.Contains($"pack {Path.GetFileName(victim)}", line);
        Assert.DoesNotContain("Exception", line);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the failed restore took {clock.Elapsed}");

        var unknown = await Vault(restarted, "restore", "00000000deadbeef", "--target", Path.Combine(Root, "other"));
        Assert.True(unknown.ExitCode == 5, unknown.ToString());
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], timeout: TimeSpan.FromMinutes(3));
}
