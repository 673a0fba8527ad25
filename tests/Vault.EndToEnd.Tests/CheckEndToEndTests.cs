using System.Text.Json;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>`vault check` against the silo as it ships, and the Vault:Scrub settings refused at start.</summary>
public sealed class CheckEndToEndTests : TempRootTests
{
    [Fact]
    public async Task Cli_Check_PassesOnAFreshBackup_ThenFindsAFlippedByteOnlyWhenReadingData()
    {
        var source = Path.Combine(Root, "source");
        AwkwardTree.Create(source, largeFileSize: 2_000_000);
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        await silo.StartAsync();
        var backup = await Vault(silo, "backup", source);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var healthy = await Vault(silo, "check", "--read-data", "--json");
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        using (var json = JsonDocument.Parse(healthy.Stdout))
        {
            Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
            Assert.True(json.RootElement.GetProperty("progress").GetProperty("bytesDone").GetInt64() > 0);
        }

        var largest = Directory.EnumerateFiles(Path.Combine(silo.DataDir, "packs"), "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Length == 64)
            .OrderByDescending(f => new FileInfo(f).Length)
            .First();
        var bytes = File.ReadAllBytes(largest);
        bytes[bytes.Length / 2] ^= 0x02;
        File.WriteAllBytes(largest, bytes);

        var structure = await Vault(silo, "check");
        Assert.True(structure.ExitCode == 0, structure.ToString());
        Assert.Contains("no problems found", structure.Stdout);

        var read = await Vault(silo, "check", "--read-data-subset", "1/1");
        Assert.True(read.ExitCode == 8, read.ToString());
        Assert.Contains(Path.GetFileName(largest), read.Stderr);
        Assert.Contains("vault: error: check found 1 problem", read.Stderr);
    }

    [Theory]
    [InlineData(new[] { "--Vault:Scrub:Period=soon" }, "Vault:Scrub:Period is 'soon'; must be a duration between 1h and 3650d")]
    [InlineData(new[] { "--Vault:Scrub:Period=10m" }, "Vault:Scrub:Period is '10m'")]
    [InlineData(new[] { "--Vault:Scrub:MaxBytesPerSecond=1000" }, "Vault:Scrub:MaxBytesPerSecond is 1000; must be at least 64 KiB/s (65536)")]
    [InlineData(new[] { "--Vault:Scrub:Enabled=perhaps" }, "Vault:Scrub:Enabled is 'perhaps'; must be true or false")]
    public async Task Silo_InvalidScrubSettings_RefusesNamingKeyValueAndRule(string[] args, string expected)
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        var result = await silo.RunToExitAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
}
