extern alias gateway;

using System.Reflection;

namespace Vault.Surface.Tests;

/// <summary>
/// Dependencies point one way: client → grain-interfaces ← grains; the format library knows no
/// Orleans; the gateway never reaches past the grain interfaces.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Storage = typeof(Vault.Storage.Chunker).Assembly;
    private static readonly Assembly Interfaces = typeof(Vault.Peers.IPeerGrain).Assembly;
    private static readonly Assembly Gateway = typeof(gateway::Vault.Gateway.GatewayErrors).Assembly;
    private static readonly Assembly Client = typeof(Vault.Client.VaultClient).Assembly;
    private static readonly Assembly Cli = typeof(Vault.Cli.VaultCli).Assembly;

    public static TheoryData<string, string> Forbidden => new()
    {
        { "Vault.Storage", "Orleans" },
        { "Vault.Storage", "Vault.Grains" },
        { "Vault.Storage", "Vault.GrainInterfaces" },
        { "Vault.GrainInterfaces", "Vault.Grains" },
        { "Vault.Gateway", "Vault.Grains" },
        { "Vault.Client", "Orleans" },
        { "Vault.Client", "Vault.Grains" },
        { "Vault.Client", "Vault.GrainInterfaces" },
        { "vault", "Orleans" },
        { "vault", "Vault.GrainInterfaces" },
        // The failover controller (grains/Vault.Failover) is reached through its grain interfaces only;
        // that the backup engine does not reference it is tested in Vault.Failover.Tests.LayeringTests.
        { "Vault.GrainInterfaces", "Vault.Failover" },
        { "Vault.Gateway", "Vault.Failover" },
        { "Vault.Gateway", "Npgsql" },
    };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void Assembly_DoesNotReference(string assembly, string forbiddenPrefix)
    {
        var a = new[] { Storage, Interfaces, Gateway, Client, Cli }.Single(x => x.GetName().Name == assembly);
        var offending = a.GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n == forbiddenPrefix || n.StartsWith(forbiddenPrefix + ".", StringComparison.Ordinal))
            .ToList();
        Assert.True(offending.Count == 0, $"{assembly} references {string.Join(", ", offending)}");
    }

    [Fact]
    public void Gateway_DoesReferenceTheGrainInterfaces()
    {
        // Guards the test above against passing vacuously (wrong assembly names).
        Assert.Contains(Gateway.GetReferencedAssemblies(), r => r.Name == "Vault.GrainInterfaces");
        Assert.Contains(Interfaces.GetReferencedAssemblies(), r => r.Name == "Vault.Storage");
    }
}
