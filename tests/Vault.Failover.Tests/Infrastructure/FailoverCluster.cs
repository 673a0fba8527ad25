using Orleans.TestingHost;
using Vault.Grains.Hosting;
using Vault.Grains.Node;
using Vault.Storage;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>
/// Three in-process silos, each with its own node (and PeerGrain, the failover observer), sharing one
/// directory of grain state so a controller survives its silo. The second silo reaches the servers at
/// <see cref="BlockedBase"/> through a route to a closed port: an observer that honestly cannot connect.
/// </summary>
public class FailoverCluster : IAsyncLifetime
{
    private readonly List<VaultNode> _nodes = [];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vault-failover", "cluster-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The port base whose PostgreSQL primary the blocked silo cannot reach.</summary>
    public int BlockedBase { get; } = LocalServers.NextBase();

    public string BlockedSilo { get; private set; } = "";

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        await BeforeDeployAsync();
        var builder = new InProcessTestClusterBuilder(3);
        var count = 0;
        builder.ConfigureSilo((options, silo) =>
        {
            var dataDir = Path.Combine(Root, options.SiloName);
            var config = new RepositoryConfig
            {
                RepositoryId = "failover-test",
                Chunker = new ChunkerOptions(16 * 1024, 64 * 1024, 256 * 1024),
                PackSize = 1024 * 1024,
                CompressionLevel = 3,
                IndexPartitionBits = 4,
                Created = DateTimeOffset.UtcNow,
            };
            var repository = LocalRepository.OpenOrCreate(dataDir, "test password", config, out _);
            var node = new VaultNode(options.SiloName, dataDir, repository, workers: 1);
            lock (_nodes)
            {
                _nodes.Add(node);
            }

            silo.AddVaultGrains(node, Path.Combine(Root, "shared-state"));
            string[] routes = [];
            if (Interlocked.Increment(ref count) == 2)
            {
                BlockedSilo = options.SiloName;
                routes = [$"127.0.0.1:{BlockedBase}=127.0.0.1:1"];
            }

            silo.AddVaultFailover(routes);
            silo.UseInMemoryReminderService();
            ConfigureSilo(silo);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Runs before the silos start (servers their configuration must name).</summary>
    protected virtual Task BeforeDeployAsync() => Task.CompletedTask;

    /// <summary>More services on every silo.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A controller (unconfigured, so idle) whose activation lives on the named silo.</summary>
    public async Task<IFailoverControllerGrain> ControllerOnAsync(string silo, string prefix)
    {
        for (var i = 0; i < 200; i++)
        {
            var grain = Grains.GetGrain<IFailoverControllerGrain>($"{prefix}-{i}");
            if ((await grain.GetStatusAsync()).Silo == silo)
            {
                return grain;
            }
        }

        // Placement weighs the silos' load, so a busy silo may receive none of them: move one there.
        var target = Cluster.Silos.First(s => s.Name == silo).SiloAddress;
        var moved = Grains.GetGrain<IFailoverControllerGrain>($"{prefix}-moved");
        await moved.GetStatusAsync();
        await Cluster.MigrateAsync(moved, target);
        var placed = (await moved.GetStatusAsync()).Silo;
        return placed == silo
            ? moved
            : throw new InvalidOperationException($"no controller of 200 tried was placed on silo {silo}, and one moved there answered from {placed}");
    }
}

[CollectionDefinition(Name)]
public sealed class FailoverClusterCollection : ICollectionFixture<FailoverCluster>
{
    public const string Name = "failover-cluster";
}
