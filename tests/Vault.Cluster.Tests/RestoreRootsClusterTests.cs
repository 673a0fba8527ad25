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

    [Fact]
    public async Task ChangePassword_InClusterMode_RewrapsTheDatabaseKey_OldPasswordStopsStartingANode()
    {
        const string database = "vault_passwd";
        await cluster.Postgres.CreateDatabaseAsync(database);
        var root = Path.Combine(cluster.Root, "passwd");
        var source = Path.Combine(root, "source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "readable after the password change");
        var oldFile = Path.Combine(root, "old-password");
        var newFile = Path.Combine(root, "new-password");
        await File.WriteAllTextAsync(oldFile, ClusterFixture.RepositoryPassword + "\n");
        await File.WriteAllTextAsync(newFile, "the new cluster password\n");

        await using var silo = new SiloProcess(Path.Combine(root, "data"), ClusterFixture.RepositoryPassword)
        {
            ReadyTimeout = TimeSpan.FromSeconds(180),
            ExtraArguments = ["--node-id", "p1", "--cluster-db", cluster.Postgres.ConnectionString(database), "--apply-schema", "--replicas", "1"],
        };
        await silo.StartAsync();
        var backup = await cluster.VaultAsync(silo, "backup", source);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        var wrong = await cluster.VaultAsync(silo, "key", "passwd", "--old-password-file", newFile, "--new-password-file", oldFile);
        Assert.True(wrong.ExitCode != 0, wrong.ToString());
        Assert.Contains("old password does not open", wrong.Stderr);

        var changed = await cluster.VaultAsync(silo, "key", "passwd", "--old-password-file", oldFile, "--new-password-file", newFile);
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("cluster database", changed.Stdout);

        // A restart with the old password is refused; with the new one the node opens the same data.
        silo.Kill();
        var refused = await silo.RunToExitAsync();
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("wrong password", refused.ToString());

        silo.Password = "the new cluster password";
        await silo.StartAsync();
        var target = Path.Combine(root, "restored");
        var restore = await cluster.VaultAsync(silo, "restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Equal("readable after the password change", await File.ReadAllTextAsync(target + source + "/a.txt"));
    }
}
