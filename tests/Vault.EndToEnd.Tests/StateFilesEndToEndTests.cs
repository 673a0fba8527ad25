namespace Vault.EndToEnd.Tests;

/// <summary>The node's state on disk (snapshot metadata, API key hashes, the audit log) is private to its user.</summary>
public sealed class StateFilesEndToEndTests : TempRootTests
{
    [Fact]
    public async Task GrainState_IsWritten0600In0700Directories()
    {
        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "state files are private");
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        await silo.StartAsync();
        var backup = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "backup", source, "--json"], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var state = Path.Combine(silo.DataDir, "grains", "state");
        var files = Directory.GetFiles(state, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} has mode {File.GetUnixFileMode(file)}");
        }

        foreach (var dir in Directory.GetDirectories(state, "*", SearchOption.AllDirectories).Append(state))
        {
            Assert.True(File.GetUnixFileMode(dir) == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), $"{dir} has mode {File.GetUnixFileMode(dir)}");
        }
    }
}
