using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vault.EndToEnd.Tests;
using Vault.Tests.Shared;
using Xunit.Abstractions;

namespace Vault.Cluster.Tests;

/// <summary>
/// PostgreSQL plus three silo processes (a, b, c), R = 2, with the DEFAULT failure detection: a node
/// killed with SIGKILL stays a member until membership declares it dead, which is the window in which
/// calls used to fail with Orleans' connection errors.
/// </summary>
public sealed class DefaultDetectionClusterFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vault-node-death", Guid.NewGuid().ToString("N")[..12]);

    public PostgresServer Postgres { get; private set; } = null!;

    public Dictionary<string, SiloProcess> Silos { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Postgres = await PostgresServer.StartAsync();
        await Postgres.CreateDatabaseAsync(ClusterFixture.Database);
        foreach (var name in new[] { "a", "b", "c" })
        {
            Silos[name] = new SiloProcess(Path.Combine(Root, name), ClusterFixture.RepositoryPassword)
            {
                ReadyTimeout = TimeSpan.FromSeconds(180),
                ExtraArguments =
                [
                    "--node-id", name, "--cluster-db", Postgres.ConnectionString(ClusterFixture.Database), "--apply-schema",
                    "--replicas", ClusterFixture.Replicas.ToString(CultureInfo.InvariantCulture),
                    "--Vault:Chunking:MinSize=262144", "--Vault:Chunking:AvgSize=1048576", "--Vault:Chunking:MaxSize=4194304",
                    "--Vault:Repository:PackSize=4194304", "--Vault:Workers=2",
                ],
            };
        }

        await Task.WhenAll(Silos.Values.Select(s => s.StartAsync()));
    }

    public Task<RunResult> VaultAsync(SiloProcess gateway, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", gateway.Gateway, .. args], timeout: TimeSpan.FromMinutes(5));

    public async Task DisposeAsync()
    {
        foreach (var silo in Silos.Values)
        {
            await silo.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DefaultDetectionCollection : ICollectionFixture<DefaultDetectionClusterFixture>
{
    public const string Name = "postgres-cluster-default-detection";
}

/// <summary>A node's sudden death costs no restore and no more than the backup it interrupted.</summary>
[Collection(DefaultDetectionCollection.Name)]
public sealed class NodeDeathTests(DefaultDetectionClusterFixture cluster, ITestOutputHelper output)
{
    private const int FileSize = 4 * 1024 * 1024;

    [Fact]
    public async Task KillNodeB_RestoreAtOnceThroughA_Succeeds_ThenBackupDuringAKill_EndsCleanly_AndTheNextSucceeds()
    {
        var (a, b) = (cluster.Silos["a"], cluster.Silos["b"]);
        var source = Path.Combine(cluster.Root, "source");
        WriteFiles(source, count: 50, seed: 1); // 200 MiB

        var clock = Stopwatch.StartNew();
        var backup = await cluster.VaultAsync(a, "backup", source, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        output.WriteLine($"backup of 200 MiB through a: {clock.Elapsed.TotalSeconds:F1} s");

        // kill -9 b, then at once restore through a: default failure detection has not declared b dead yet.
        b.Kill();
        clock.Restart();
        var target = Path.Combine(cluster.Root, "restore-1");
        var restore = await cluster.VaultAsync(a, "restore", "latest", "--target", target);
        output.WriteLine($"restore right after kill -9 of b: exit {restore.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target + source));
        AssertNoStackTrace(restore);

        // b comes back; a backup runs through a while b is killed again in the middle of it.
        await b.StartAsync();
        var second = Path.Combine(cluster.Root, "source-2");
        WriteFiles(second, count: 25, seed: 2); // 100 MiB
        var packsOnB = CountPacks(b);
        var running = cluster.VaultAsync(a, "backup", second);
        await ClusterFixture.EventuallyAsync("b to receive packs of the running backup", () =>
            Task.FromResult((CountPacks(b) > packsOnB || running.IsCompleted, true, $"{CountPacks(b)} packs on b, {packsOnB} before")), TimeSpan.FromMinutes(3));
        b.Kill();
        var interrupted = await running;
        output.WriteLine($"backup during kill -9 of b: {interrupted}");
        AssertNoStackTrace(interrupted);
        Assert.True(interrupted.ExitCode is 0 or 1 or 4, interrupted.ToString());
        if (interrupted.ExitCode != 0)
        {
            Assert.Single(interrupted.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("vault: error: ", StringComparison.Ordinal));
        }

        // The next backup succeeds (b still down: the write quorum is met by a and c) and restores intact.
        var next = await cluster.VaultAsync(a, "backup", second);
        Assert.True(next.ExitCode == 0, next.ToString());
        var target2 = Path.Combine(cluster.Root, "restore-2");
        var restore2 = await cluster.VaultAsync(a, "restore", "latest", "--target", target2);
        Assert.True(restore2.ExitCode == 0, restore2.ToString());
        Assert.Empty(AwkwardTree.Differences(second, target2 + second));
    }

    private static void AssertNoStackTrace(RunResult run)
    {
        Assert.DoesNotContain("Exception", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }

    private static int CountPacks(SiloProcess silo)
    {
        var root = Path.Combine(silo.DataDir, "packs");
        return Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count(f => Path.GetFileName(f).Length == 64) : 0;
    }

    private static void WriteFiles(string dir, int count, int seed)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, $"f{i:D3}.bin"), AwkwardTree.Bytes(random, FileSize));
        }
    }
}
