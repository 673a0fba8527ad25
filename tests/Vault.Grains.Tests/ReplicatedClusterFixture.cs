using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Vault.Grains.Hosting;
using Vault.Grains.Node;
using Vault.Grains.Placement;
using Vault.Grains.Replication;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>
/// Three in-process silos sharing one repository (same config and key, each its own pack store),
/// R = 2, a fast repair loop and fast failure detection. Grain state is the file storage in one
/// directory shared by the silos (single activation keeps that safe); PostgreSQL is covered by the
/// cluster end-to-end tests.
/// </summary>
public class ReplicatedClusterFixture : IAsyncLifetime
{
    public const int Replicas = 2;

    private readonly Dictionary<string, VaultNode> _nodes = new(StringComparer.Ordinal);

    public string Root { get; } = TestDirs.Create("replicated");

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public IReadOnlyDictionary<string, VaultNode> Nodes => _nodes;

    /// <summary>Names of the silos that are running.</summary>
    public IReadOnlyList<string> Live => Cluster.Silos.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();

    public async Task InitializeAsync()
    {
        var config = new RepositoryConfig
        {
            RepositoryId = "replicated-test",
            Chunker = VaultClusterFixture.SmallChunks,
            PackSize = VaultClusterFixture.SmallPacks,
            CompressionLevel = 3,
            IndexPartitionBits = 4,
            Created = DateTimeOffset.UtcNow,
        };
        var (configJson, keyFile) = LocalRepository.NewSharedRepository(config, "test password");
        var settings = new ReplicationSettings
        {
            Replicas = Replicas,
            WriteQuorum = Replicas,
            RepairInterval = RepairInterval,
            DropAfterStable = TimeSpan.FromSeconds(1),
        };
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            var dataDir = Path.Combine(Root, options.SiloName);
            var repository = LocalRepository.OpenShared(dataDir, "test password", configJson, keyFile);
            var node = new VaultNode(options.SiloName, dataDir, repository, workers: 2);
            lock (_nodes)
            {
                _nodes[options.SiloName] = node;
            }

            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromMilliseconds(500);
                o.NumMissedProbesLimit = 2;
            });
            Configure(silo);
            silo.AddVaultGrains(node, Path.Combine(Root, "grains"), settings);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var node in _nodes.Values)
        {
            node.Dispose();
        }

        TestDirs.Delete(Root);
    }

    public IPeerGrain Peer(string node) => Grains.GetGrain<IPeerGrain>(node);

    /// <summary>Extra silo configuration of a derived fixture (runs before the Vault grains are added).</summary>
    protected virtual void Configure(ISiloBuilder silo)
    {
    }

    /// <summary>Time between repair passes (after the first); a fixture that drives repair itself makes it long.</summary>
    protected virtual TimeSpan RepairInterval => TimeSpan.FromMilliseconds(300);

    /// <summary>Every pack any live node holds, with the live nodes holding it.</summary>
    public Dictionary<PackId, List<string>> Holders()
    {
        var holders = new Dictionary<PackId, List<string>>();
        foreach (var name in Live)
        {
            foreach (var pack in _nodes[name].Packs.Enumerate())
            {
                (holders.TryGetValue(pack, out var list) ? list : holders[pack] = []).Add(name);
            }
        }

        return holders;
    }

    /// <summary>The owners of a pack over <paramref name="nodes"/>: the top R by rendezvous hashing.</summary>
    public static List<string> Owners(PackId pack, IEnumerable<string> nodes) =>
        Rendezvous.Rank(pack, nodes).Take(Replicas).Order(StringComparer.Ordinal).ToList();

    public async Task<JobInfo> WaitAsync(string node, JobInfo job)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var info = await Peer(node).GetJobAsync(job.Id);
            if (info.State != JobState.Running)
            {
                return info;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {job.Id} on {node} still running after 120 s; progress {info.Progress}");
            }

            await Task.Delay(20);
        }
    }

    public async Task<JobInfo> BackupAsync(string node, string path)
    {
        var job = await WaitAsync(node, await Peer(node).StartBackupAsync(new BackupRequest([path], [], [], null, Force: true)));
        Assert.True(job.State == JobState.Succeeded, $"backup on {node} failed: {job.Error}");
        return job;
    }

    public async Task RestoreAndCompareAsync(string node, SnapshotId snapshot, string source, string target)
    {
        var job = await WaitAsync(node, await Peer(node).StartRestoreAsync(new RestoreRequest(snapshot, target, [])));
        Assert.True(job.State == JobState.Succeeded, $"restore on {node} failed: {job.Error}");
        Assert.Empty(Vault.Tests.Shared.AwkwardTree.Differences(source, target + source));
    }

    /// <summary>Polls until <paramref name="condition"/> holds; the timeout names what was awaited and what was seen last.</summary>
    public static async Task EventuallyAsync(string what, Func<(bool Ok, string State)> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var (ok, state) = condition();
            if (ok)
            {
                return;
            }

            last = state;
            await Task.Delay(100);
        }

        throw new TimeoutException($"waited {timeout.TotalSeconds} s for {what}; last seen: {last}");
    }

    public static void WriteRandomTree(string dir, int seed, int files = 12, int size = 400_000)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        for (var i = 0; i < files; i++)
        {
            var bytes = new byte[random.Next(size / 4, size)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(dir, i % 2 == 0 ? "sub" : "", $"file-{i:D2}.bin"), bytes);
        }
    }
}

/// <summary>A separate cluster per test class: killing or draining a node changes the cluster for good.</summary>
public sealed class PlacementClusterFixture : ReplicatedClusterFixture;

public sealed class RepairClusterFixture : ReplicatedClusterFixture;

public sealed class DecommissionClusterFixture : ReplicatedClusterFixture;

public sealed class ScrubClusterFixture : ReplicatedClusterFixture;

public sealed class RebalanceClusterFixture : ReplicatedClusterFixture;

/// <summary>Three silos, R = 2, GC with no trash delay.</summary>
public sealed class GcReplicatedClusterFixture : ReplicatedClusterFixture
{
    protected override void Configure(ISiloBuilder silo) =>
        silo.Services.AddSingleton(new Vault.Grains.Retention.RetentionSettings { TrashDelay = TimeSpan.Zero, LeasePollInterval = TimeSpan.FromMilliseconds(20) });
}

/// <summary>Three silos, R = W = 2, and no background repair after the first pass: what is on disk is what the write path put there.</summary>
public sealed class NoRepairClusterFixture : ReplicatedClusterFixture
{
    protected override TimeSpan RepairInterval => TimeSpan.FromHours(1);

    protected override void Configure(ISiloBuilder silo) =>
        silo.Services.AddSingleton(new Vault.Grains.Retention.RetentionSettings { TrashDelay = TimeSpan.FromHours(1), LeasePollInterval = TimeSpan.FromMilliseconds(20) });
}
