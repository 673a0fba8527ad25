using Vault.Peers;

namespace Vault.Grains.Tests;

public sealed class PlacementTests(PlacementClusterFixture cluster) : IClassFixture<PlacementClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("placement");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Backup_EveryPackLandsOnItsROwners()
    {
        var source = Path.Combine(_dir, "source");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 1);
        var node = cluster.Live[0];
        var job = await cluster.BackupAsync(node, source);

        var holders = cluster.Holders();
        Assert.True(holders.Count >= 3, $"expected several packs, got {holders.Count}");
        foreach (var (pack, nodes) in holders)
        {
            Assert.Equal(ReplicatedClusterFixture.Owners(pack, cluster.Live), nodes.Order(StringComparer.Ordinal).ToList());
        }

        // Reads go to replicas: every node restores, whichever packs it holds.
        foreach (var reader in cluster.Live)
        {
            await cluster.RestoreAndCompareAsync(reader, job.Snapshot!.Value, source, Path.Combine(_dir, "restore-" + reader));
        }
    }

    [Fact]
    public async Task TwoNodes_BackingUpSameContentConcurrently_StoreItAtMostTwice()
    {
        var source = Path.Combine(_dir, "same");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 7, files: 8);
        var size = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        var (a, b) = (cluster.Live[1], cluster.Live[2]);

        var jobs = await Task.WhenAll(cluster.BackupAsync(a, source), cluster.BackupAsync(b, source));

        var stored = jobs.Sum(j => j.Progress.BytesStored);
        Assert.True(stored <= 2 * size + 256 * 1024, $"two concurrent backups of {size} bytes stored {stored} bytes");
        var third = await cluster.BackupAsync(a, source);
        // Every file chunk is indexed now, whichever node stored it; at most a directory tree is new.
        Assert.True(third.Progress.BytesNew < 16 * 1024, $"a third backup of unchanged content added {third.Progress.BytesNew} bytes");
        foreach (var job in jobs)
        {
            await cluster.RestoreAndCompareAsync(a, job.Snapshot!.Value, source, Path.Combine(_dir, "restore-" + job.Id));
        }
    }
}

public sealed class RepairTests(RepairClusterFixture cluster) : IClassFixture<RepairClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("repair");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task KilledSilo_ItsPacksAreReplicatedAgain_AndRestoreIsIdentical()
    {
        var source = Path.Combine(_dir, "source");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 3);
        var survivor = cluster.Live[0];
        var job = await cluster.BackupAsync(survivor, source);
        var packs = cluster.Holders().Keys.ToList();

        var victim = cluster.Live[2];
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos.First(s => s.Name == victim));

        await ReplicatedClusterFixture.EventuallyAsync(
            $"every pack on {ReplicatedClusterFixture.Replicas} live nodes after {victim} was killed",
            () =>
            {
                var holders = cluster.Holders();
                var short_ = packs.Where(p => !holders.TryGetValue(p, out var n) || n.Count < ReplicatedClusterFixture.Replicas).ToList();
                return (short_.Count == 0, $"{short_.Count} of {packs.Count} packs under-replicated");
            },
            TimeSpan.FromSeconds(60));

        await cluster.RestoreAndCompareAsync(survivor, job.Snapshot!.Value, source, Path.Combine(_dir, "restore"));

        // Writes go on with a node down: each new pack lands on R live nodes (the next in rendezvous order).
        var more = Path.Combine(_dir, "more");
        ReplicatedClusterFixture.WriteRandomTree(more, seed: 4, files: 6);
        var second = await cluster.BackupAsync(survivor, more);
        var holders = cluster.Holders();
        foreach (var pack in holders.Keys.Except(packs))
        {
            Assert.Equal(ReplicatedClusterFixture.Replicas, holders[pack].Count);
        }

        await cluster.RestoreAndCompareAsync(cluster.Live[1], second.Snapshot!.Value, more, Path.Combine(_dir, "restore-more"));
    }
}

public sealed class DecommissionTests(DecommissionClusterFixture cluster) : IClassFixture<DecommissionClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("decommission");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Decommission_DrainsTheNode_ThenMarksItGone_AndNothingIsLost()
    {
        var source = Path.Combine(_dir, "source");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 5);
        var (stay, leave) = (cluster.Live[0], cluster.Live[1]);
        var job = await cluster.BackupAsync(stay, source);
        var packs = cluster.Holders().Keys.ToList();
        Assert.NotEmpty(cluster.Nodes[leave].Packs.Enumerate());

        var roster = cluster.Grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey);
        var entry = await roster.StartDecommissionAsync(leave, ReplicatedClusterFixture.Replicas);
        Assert.Equal(NodeMembership.Decommissioning, entry.Membership);
        await Assert.ThrowsAsync<InvalidRequestException>(() => roster.StartDecommissionAsync(stay, ReplicatedClusterFixture.Replicas));

        var remaining = cluster.Live.Where(n => n != leave).ToList();
        await ReplicatedClusterFixture.EventuallyAsync(
            $"{leave} drained and decommissioned",
            () =>
            {
                var state = roster.GetAsync().GetAwaiter().GetResult().First(e => e.Node == leave).Membership;
                var left = cluster.Nodes[leave].Packs.Enumerate().Count();
                return (state == NodeMembership.Decommissioned && left == 0, $"{leave} is {state} and holds {left} packs");
            },
            TimeSpan.FromSeconds(60));

        var holders = cluster.Holders();
        foreach (var pack in packs)
        {
            Assert.Equal(remaining, holders[pack].Where(remaining.Contains).Order(StringComparer.Ordinal).ToList());
        }

        await cluster.RestoreAndCompareAsync(stay, job.Snapshot!.Value, source, Path.Combine(_dir, "restore"));
    }
}
