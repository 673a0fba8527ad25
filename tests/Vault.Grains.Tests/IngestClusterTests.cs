using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Replication;
using Vault.Peers;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>A stream backup in cluster mode meets the write quorum before the call returns (no repair runs meanwhile).</summary>
public sealed class StreamReplicationTests(NoRepairClusterFixture cluster) : IClassFixture<NoRepairClusterFixture>
{
    [Fact]
    public async Task StreamBackup_WhenCompleteReturns_EveryPackIsOnItsWOwners()
    {
        var node = cluster.Live[0];
        var before = cluster.Holders().Keys.ToHashSet();
        var data = AwkwardTree.Bytes(new Random(31), 6 * 1024 * 1024);
        var session = (await cluster.Peer(node).BeginStreamAsync(new StreamBackupRequest("dump.sql", []))).Id;
        for (var offset = 0; offset < data.Length; offset += 256 * 1024)
        {
            await cluster.Peer(node).AppendStreamAsync(session, new DataSegment(data[offset..Math.Min(data.Length, offset + 256 * 1024)]));
        }

        var snapshot = await cluster.Peer(node).CompleteStreamAsync(session, data.Length);

        var added = cluster.Holders().Where(h => !before.Contains(h.Key)).ToList();
        Assert.True(added.Count >= 4, $"expected several packs from a 6 MiB stream, got {added.Count}");
        foreach (var (pack, holders) in added)
        {
            Assert.True(holders.Count >= ReplicatedClusterFixture.Replicas, $"pack {pack} is on {string.Join(", ", holders)} only");
            Assert.Equal(ReplicatedClusterFixture.Owners(pack, cluster.Live), holders.Order(StringComparer.Ordinal).ToList());
        }

        // Any node reads it back.
        var back = new MemoryStream();
        await foreach (var segment in cluster.Peer(cluster.Live[2]).ReadFileAsync(snapshot.Id, "/dump.sql"))
        {
            back.Write(segment.Data);
        }

        Assert.Equal(data, back.ToArray());
    }
}

/// <summary>GC trashing a pack and a repair pass copying it, in every order, driven through seams.</summary>
public sealed class RepairGcRaceTests(NoRepairClusterFixture cluster) : IClassFixture<NoRepairClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("repair-gc");

    public enum Order
    {
        /// <summary>GC trashes the pack after repair read it, before repair pushes it.</summary>
        GcBetweenReadAndPush,

        /// <summary>GC trashes the pack before the repair pass starts.</summary>
        GcBeforePass,

        /// <summary>Repair finishes its push, then GC trashes the pack.</summary>
        GcAfterPass,
    }

    public void Dispose() => TestDirs.Delete(_dir);

    [Theory]
    [InlineData(Order.GcBetweenReadAndPush)]
    [InlineData(Order.GcBeforePass)]
    [InlineData(Order.GcAfterPass)]
    public async Task RepairAndGc_InAnyOrder_NoCopyOfACondemnedPackSurvives(Order order)
    {
        var source = Path.Combine(_dir, order.ToString());
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "data.bin"), AwkwardTree.Bytes(new Random(40 + (int)order), 1_500_000));
        var before = cluster.Holders().Keys.ToHashSet();
        await cluster.BackupAsync(cluster.Live[0], source);
        var (pack, holders) = cluster.Holders().First(h => !before.Contains(h.Key) && h.Value.Count == ReplicatedClusterFixture.Replicas);
        var (pusher, victim) = (holders[0], holders[1]);
        // The victim lost its copy: the pusher's repair pass will copy the pack to it.
        cluster.Nodes[victim].Packs.Delete(pack);
        var repair = cluster.Cluster.Silos.First(s => s.Name == pusher).ServiceProvider.GetRequiredService<RepairLoop>();

        var trashed = false;
        async Task TrashEverywhereAsync()
        {
            // Exactly what a GC run does to a dead pack: every up node at once.
            await Task.WhenAll(cluster.Live.Select(n => cluster.Peer(n).TrashPacksAsync([pack])));
            trashed = true;
        }

        if (order == Order.GcBeforePass)
        {
            await TrashEverywhereAsync();
        }

        repair.BeforeStore = async (p, target) =>
        {
            if (order == Order.GcBetweenReadAndPush && p == pack && target == victim)
            {
                await TrashEverywhereAsync();
            }
        };
        try
        {
            await repair.RunPassAsync(CancellationToken.None);
        }
        finally
        {
            repair.BeforeStore = null;
        }

        if (order == Order.GcAfterPass)
        {
            Assert.True(cluster.Nodes[victim].Packs.Exists(pack), "the repair pass did not restore the victim's copy before GC");
            await TrashEverywhereAsync();
        }

        Assert.True(trashed);
        foreach (var name in cluster.Live)
        {
            Assert.False(cluster.Nodes[name].Packs.Exists(pack), $"node {name} holds condemned pack {pack} outside its trash ({order})");
        }

        // A later pass does not bring it back either.
        await repair.RunPassAsync(CancellationToken.None);
        Assert.DoesNotContain(cluster.Live, name => cluster.Nodes[name].Packs.Exists(pack));
    }
}
