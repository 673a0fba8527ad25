using System.Reflection;

namespace Vault.Failover.Tests;

/// <summary>The backup engine (Vault.Grains) knows nothing of failover or the client libraries it drives.</summary>
public sealed class LayeringTests
{
    private static readonly Assembly Grains = typeof(Vault.Grains.Peers.PeerGrain).Assembly;
    private static readonly Assembly Failover = typeof(Vault.Grains.Failover.FailoverControllerGrain).Assembly;

    public static TheoryData<string> FailoverOnly => new() { "Vault.Failover", "Npgsql", "MySqlConnector", "StackExchange.Redis", "ARSoft.Tools.Net", "DnsClient", "AWSSDK.Core" };

    [Theory]
    [MemberData(nameof(FailoverOnly))]
    public void BackupEngine_DoesNotReference(string forbidden)
    {
        var offending = Grains.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n == forbidden || n.StartsWith(forbidden + ".", StringComparison.Ordinal)).ToList();
        Assert.True(offending.Count == 0, $"Vault.Grains references {string.Join(", ", offending)}");
    }

    [Fact]
    public void FailoverProject_HoldsTheClientLibraries()
    {
        // Guards the test above against passing vacuously (wrong assembly names).
        Assert.Equal("Vault.Grains", Grains.GetName().Name);
        Assert.Equal("Vault.Failover", Failover.GetName().Name);
        var names = Failover.GetReferencedAssemblies().Select(r => r.Name).ToHashSet();
        Assert.Contains("Vault.Grains", names);
        Assert.Contains("Npgsql", names);
        Assert.Contains("MySqlConnector", names);
        Assert.Contains("StackExchange.Redis", names);
    }
}
