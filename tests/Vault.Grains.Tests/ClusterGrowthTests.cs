using Vault.Retention;
using Vault.Snapshots;

namespace Vault.Grains.Tests;

/// <summary>A fourth node joins a three-node cluster: repair moves it its share of the packs and drops the copies no longer owned.</summary>
public sealed class RebalanceTests(RebalanceClusterFixture cluster) : IClassFixture<RebalanceClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("rebalance");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task AddedNode_TakesItsShare_AndEveryPackEndsOnItsOwners()
    {
        var source = Path.Combine(_dir, "source");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 21, files: 64);
        var job = await cluster.BackupAsync(cluster.Live[0], source);
        var packs = cluster.Holders().Keys.ToList();
        Assert.True(packs.Count >= 12, $"{packs.Count} packs: too few to expect any on a fourth node");

        await cluster.Cluster.StartAdditionalSiloAsync();
        Assert.Equal(4, cluster.Live.Count);

        await ReplicatedClusterFixture.EventuallyAsync(
            "every pack on exactly its owners among four nodes",
            () =>
            {
                var holders = cluster.Holders();
                var live = cluster.Live;
                var wrong = packs.Where(p => !holders.TryGetValue(p, out var h)
                    || !h.Order(StringComparer.Ordinal).SequenceEqual(ReplicatedClusterFixture.Owners(p, live))).ToList();
                return (wrong.Count == 0, $"{wrong.Count} of {packs.Count} packs not (only) on their owners");
            },
            TimeSpan.FromSeconds(90));

        Assert.All(cluster.Live, node => Assert.True(cluster.Nodes[node].Packs.Enumerate().Any(), $"node {node} holds no pack"));

        // Every node, the new one included, restores the snapshot byte for byte.
        foreach (var node in cluster.Live)
        {
            await cluster.RestoreAndCompareAsync(node, job.Snapshot!.Value, source, Path.Combine(_dir, "restore-" + node));
        }
    }
}

/// <summary>GC on a replicated repository: dead packs leave every node that held them; live data stays on R nodes.</summary>
public sealed class ClusterGcTests(GcReplicatedClusterFixture cluster) : IClassFixture<GcReplicatedClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("cluster-gc");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Gc_DeletesDeadPacksOnEveryHolder_AndKeptDataStaysReplicated()
    {
        var kept = Path.Combine(_dir, "kept");
        var gone = Path.Combine(_dir, "gone");
        ReplicatedClusterFixture.WriteRandomTree(kept, seed: 31, files: 8);
        ReplicatedClusterFixture.WriteRandomTree(gone, seed: 32, files: 8);
        var keptJob = await cluster.BackupAsync(cluster.Live[0], kept);
        var before = cluster.Holders().Keys.ToHashSet();
        var goneJob = await cluster.BackupAsync(cluster.Live[1], gone);
        var gonePacks = cluster.Holders().Keys.Where(p => !before.Contains(p)).ToList();
        Assert.NotEmpty(gonePacks);

        await cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default").ForgetAsync(new ForgetRequest { Snapshots = [goneJob.Snapshot!.Value.ToString()] });
        var retention = cluster.Grains.GetGrain<IRetentionGrain>("default");
        var run = (await retention.StartGcAsync(new GcRequest(), cluster.Live[2])).Current!.RunId;
        GcRun? last = null;
        await ReplicatedClusterFixture.EventuallyAsync("the GC run to end", () =>
        {
            last = retention.GetGcStatusAsync().GetAwaiter().GetResult().Last;
            return (last?.RunId == run, $"last run {last?.RunId}");
        }, TimeSpan.FromSeconds(90));

        Assert.Equal(GcOutcome.Succeeded, last!.Outcome);
        var holders = cluster.Holders();
        Assert.DoesNotContain(gonePacks, holders.ContainsKey);
        foreach (var node in cluster.Live)
        {
            Assert.Empty(cluster.Nodes[node].Packs.EnumerateTrash());
        }

        foreach (var pack in before)
        {
            Assert.True(holders.TryGetValue(pack, out var h) && h.Count == ReplicatedClusterFixture.Replicas, $"pack {pack} of the kept snapshot is on {(h?.Count ?? 0)} nodes");
        }

        await cluster.RestoreAndCompareAsync(cluster.Live[2], keptJob.Snapshot!.Value, kept, Path.Combine(_dir, "restore"));
    }
}
