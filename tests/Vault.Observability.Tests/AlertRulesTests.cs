namespace Vault.Observability.Tests;

public sealed class AlertRulesTests
{
    private static string Dir => Path.Combine(SiloProcess.RepositoryRoot, "infra", "prometheus");

    [Fact]
    public async Task Rules_CheckRules_Succeeds()
    {
        var r = await Tool.RunAsync(Tool.Promtool, ["check", "rules", "alerts.yml"], workingDirectory: Dir);
        Assert.True(r.ExitCode == 0, $"promtool check rules exited {r.ExitCode}:\n{r.Output}{r.Error}");
    }

    [Fact]
    public async Task Rules_UnitTests_Pass()
    {
        var r = await Tool.RunAsync(Tool.Promtool, ["test", "rules", "alerts.test.yml"], workingDirectory: Dir);
        Assert.True(r.ExitCode == 0, $"promtool test rules exited {r.ExitCode}:\n{r.Output}{r.Error}");
    }

    [Fact]
    public async Task ScrapeConfig_CheckConfig_Succeeds()
    {
        var r = await Tool.RunAsync(Tool.Promtool, ["check", "config", "prometheus.yml"], workingDirectory: Dir);
        Assert.True(r.ExitCode == 0, $"promtool check config exited {r.ExitCode}:\n{r.Output}{r.Error}");
    }
}
