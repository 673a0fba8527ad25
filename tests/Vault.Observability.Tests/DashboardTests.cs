namespace Vault.Observability.Tests;

[Collection(SiloCollection.Name)]
public sealed class DashboardTests(SiloFixture fixture)
{
    [Fact]
    public async Task Dashboard_InHeadlessChromium_ShowsTheSilo()
    {
        var chromium = Tool.Require("chromium", "add chromium to infra/test-packages.txt (./test.sh installs it)");
        var silo = fixture.Silo;
        var profile = Directory.CreateTempSubdirectory("vault-chromium-").FullName;
        try
        {
            // The page is a script application: --virtual-time-budget lets its first data fetches
            // finish before the DOM is dumped. The silos page lists each silo by address and name.
            var r = await Tool.RunAsync(chromium,
                ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", $"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
                 $"http://127.0.0.1:{silo.HttpPort}/dashboard/#/silos"],
                timeout: TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, $"chromium exited {r.ExitCode}: {r.Error}");
            Assert.Contains("<title>Orleans Dashboard</title>", r.Output, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{silo.SiloPort}@", r.Output, StringComparison.Ordinal);
            Assert.Contains($">{silo.NodeId}<", r.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
