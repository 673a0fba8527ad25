using Vault.EndToEnd.Tests;

namespace Vault.Cluster.Tests;

/// <summary>
/// Vault:Restore:AllowedRoots in cluster mode: a one-node cluster of its own (its own database on
/// the shared PostgreSQL server), so the three-node cluster of the collection is left alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RestoreRootsClusterTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Restore_OutsideAllowedRoots_IsRefusedInClusterMode()
    {
        const string database = "vault_restore_roots";
        await cluster.Postgres.CreateDatabaseAsync(database);
        var root = Path.Combine(cluster.Root, "restore-roots");
        var allowed = Path.Combine(root, "allowed");
        var source = Path.Combine(root, "source");
        Directory.CreateDirectory(allowed);
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "restored only inside the allowed root");

        await using var silo = new SiloProcess(Path.Combine(root, "data"), ClusterFixture.RepositoryPassword)
        {
            ReadyTimeout = TimeSpan.FromSeconds(180),
            ExtraArguments =
            [
                "--node-id", "r1", "--cluster-db", cluster.Postgres.ConnectionString(database), "--apply-schema", "--replicas", "1",
                "--Vault:Restore:AllowedRoots:0=" + allowed,
            ],
        };
        await silo.StartAsync();

        var backup = await cluster.VaultAsync(silo, "backup", source);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var outside = Path.Combine(root, "elsewhere");
        var refused = await cluster.VaultAsync(silo, "restore", "latest", "--target", outside);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("outside the allowed roots", refused.Stderr);
        Assert.False(Directory.Exists(outside), "the refused restore created its target");

        var inside = await cluster.VaultAsync(silo, "restore", "latest", "--target", Path.Combine(allowed, "r"));
        Assert.True(inside.ExitCode == 0, inside.ToString());
        Assert.Equal("restored only inside the allowed root", await File.ReadAllTextAsync(Path.Combine(allowed, "r") + source + "/a.txt"));
    }
}
