using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Vault.Grains.Hosting;
using Vault.Grains.Node;
using Vault.Grains.Restore;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>
/// One in-process silo with a real repository on disk (small chunks and packs so tests stay
/// fast while still spanning many chunks and packs). Shared by the tests of a collection.
/// </summary>
public class VaultClusterFixture : IAsyncLifetime
{
    public static readonly ChunkerOptions SmallChunks = new(16 * 1024, 64 * 1024, 256 * 1024);
    public const int SmallPacks = 1024 * 1024;
    public static readonly RestoreLimits SmallRestoreBatches = new() { BatchChunks = 64 };

    public string Root { get; } = TestDirs.Create("cluster");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public string NodeId { get; private set; } = "";

    public VaultNode Node { get; private set; } = null!;

    /// <summary>The silo's reminder table (schedules keep their reminders there).</summary>
    public string ReminderFile { get; private set; } = "";

    public IPeerGrain Peer => Grains.GetGrain<IPeerGrain>(NodeId);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) =>
        {
            var dataDir = Path.Combine(Root, options.SiloName);
            var config = new RepositoryConfig
            {
                RepositoryId = "test",
                Chunker = SmallChunks,
                PackSize = SmallPacks,
                CompressionLevel = 3,
                IndexPartitionBits = 6,
                Created = DateTimeOffset.UtcNow,
            };
            var repository = LocalRepository.OpenOrCreate(dataDir, "test password", config, out _);
            var node = new VaultNode(options.SiloName, dataDir, repository, workers: 2) { RestoreRoots = RestoreRoots, BeforeOpen = BeforeOpen };
            NodeId = options.SiloName;
            Node = node;
            // Restore batches of 64 chunks (4 MiB of these small chunks): a tree of a few tens of MiB spans several.
            silo.Services.AddSingleton(SmallRestoreBatches);
            Configure(silo);
            silo.AddVaultGrains(node, Path.Combine(dataDir, "grains"));
            silo.UseFileReminderService(ReminderFile = Path.Combine(dataDir, "grains", "reminders.json"));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>The node's Vault:Restore:AllowedRoots in a derived fixture.</summary>
    protected virtual IReadOnlyList<string> RestoreRoots => [];

    /// <summary>The node's seam between a backup's lstat and open of each file, in a derived fixture.</summary>
    protected virtual Action<string>? BeforeOpen => null;

    /// <summary>Extra silo configuration of a derived fixture (runs before the Vault grains are added).</summary>
    protected virtual void Configure(ISiloBuilder silo)
    {
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Node.Dispose();
        TestDirs.Delete(Root);
    }

    /// <summary>Polls the job until it ends; fails with the job's last state when the deadline passes.</summary>
    public async Task<JobInfo> WaitAsync(JobInfo job, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var info = await Peer.GetJobAsync(job.Id);
            if (info.State != JobState.Running)
            {
                return info;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {job.Id} ({job.Kind}) still running after the deadline; progress {info.Progress}");
            }

            await Task.Delay(20);
        }
    }

    public async Task<JobInfo> BackupAsync(params string[] paths)
    {
        var job = await WaitAsync(await Peer.StartBackupAsync(new BackupRequest(paths, [], [], null)));
        Assert.True(job.State == JobState.Succeeded, $"backup failed: {job.Error}");
        return job;
    }

    public async Task<JobInfo> RestoreAsync(SnapshotId snapshot, string target, params string[] includes)
    {
        return await WaitAsync(await Peer.StartRestoreAsync(new RestoreRequest(snapshot, target, includes)));
    }

    /// <summary>
    /// Backs up a new directory holding one file of <paramref name="size"/> random bytes; returns the
    /// largest pack the backup added (it holds the file's data, not its trees) and its file.
    /// </summary>
    public async Task<(PackId Pack, string Path)> BackUpUniqueFileAsync(string source, int seed, int size = 700_000)
    {
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "unique.bin"), Vault.Tests.Shared.AwkwardTree.Bytes(new Random(seed), size));
        var before = Node.Packs.Enumerate().ToHashSet();
        await BackupAsync(source);
        var pack = Node.Packs.Enumerate().Where(p => !before.Contains(p)).OrderByDescending(Node.Packs.Length).First();
        return (pack, Node.Packs.PathOf(pack));
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<VaultClusterFixture>
{
    public const string Name = "cluster";
}

public static class TestDirs
{
    public static string Create(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "vault-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Delete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
