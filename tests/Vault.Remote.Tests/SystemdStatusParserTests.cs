using Vault.Remote.Services;

namespace Vault.Remote.Tests;

public sealed class SystemdStatusParserTests
{
    public static TheoryData<string, string, string, string, int?> ShowOutputs => new()
    {
        { "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=812\n", "active", "running", "loaded", 812 },
        { "MainPID=0\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n", "inactive", "dead", "loaded", 0 },
        { "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n", "inactive", "dead", "not-found", 0 },
        { "LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0", "failed", "failed", "loaded", 0 },
        { "LoadState=loaded\r\nActiveState=activating\r\nSubState=start-pre\r\nMainPID=\r\n", "activating", "start-pre", "loaded", null },
    };

    [Theory]
    [MemberData(nameof(ShowOutputs))]
    public void ParseShow_SystemctlOutput_ReadsStates(string output, string active, string sub, string load, int? pid)
    {
        var status = SystemdStatusParser.ParseShow("db1", "postgresql", output);

        Assert.Equal((active, sub, load, pid), (status.ActiveState, status.SubState, status.LoadState, status.MainPid));
    }

    [Fact]
    public void ParseShow_NoActiveState_IsAnErrorNamingTheService()
    {
        var e = Assert.Throws<RemoteServiceException>(() => SystemdStatusParser.ParseShow("db1", "postgresql", "System has not been booted with systemd"));

        Assert.Contains("postgresql", e.Message, StringComparison.Ordinal);
        Assert.Contains("db1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("active\n", "active")]
    [InlineData("inactive\n", "inactive")]
    [InlineData("failed", "failed")]
    [InlineData("activating\n", "activating")]
    [InlineData("Failed to connect to bus\n", "unknown")]
    public void ParseIsActive_Word_IsTheState(string output, string expected) =>
        Assert.Equal(expected, SystemdStatusParser.ParseIsActive(output));

    [Theory]
    [InlineData(0, "active")]
    [InlineData(3, "inactive")]
    [InlineData(1, "inactive")]
    [InlineData(4, "unknown")]
    [InlineData(null, "unknown")]
    public void FromLsbExitCode_StatusExit_IsTheState(int? exit, string expected) =>
        Assert.Equal(expected, SystemdStatusParser.FromLsbExitCode("db1", "x", exit).ActiveState);
}
