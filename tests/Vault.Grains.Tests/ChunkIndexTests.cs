using Vault.Chunks;
using Vault.Grains.Chunks;
using Vault.Storage;

namespace Vault.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ChunkIndexTests(VaultClusterFixture cluster)
{
    private static ChunkId RandomId()
    {
        Span<byte> b = stackalloc byte[32];
        Random.Shared.NextBytes(b);
        return ChunkId.FromBytes(b);
    }

    private static IndexEntry Entry(ChunkId id) =>
        new(id, new ChunkLocation(new PackId(new Hash256(1, 2, 3, 4)), 40, 100, 84, BlobKind.Data, CompressionMode.None));

    [Fact]
    public async Task Flush_AfterAdd_SurvivesReactivation()
    {
        var index = new ChunkIndex(cluster.Grains, cluster.Node.Config.IndexPartitionBits);
        var ids = Enumerable.Range(0, 50).Select(_ => RandomId()).ToArray();
        var session = index.BeginSession();
        await session.AddAsync(ids.Select(Entry).ToArray());
        await session.FlushAsync();

        foreach (var partition in ids.Select(i => i.Partition(index.PartitionBits)).Distinct())
        {
            await cluster.Cluster.DeactivateAsync(cluster.Grains.GetGrain<IChunkGrain>(partition));
        }

        var found = await index.LookupAsync(ids);
        Assert.All(found, f => Assert.NotNull(f));
    }

    [Fact]
    public async Task Flush_AfterThePartitionRestarted_Refuses()
    {
        // Entries a backup relied on were held by an activation that is gone: the backup must not commit.
        var index = new ChunkIndex(cluster.Grains, cluster.Node.Config.IndexPartitionBits);
        var id = RandomId();
        var session = index.BeginSession();
        await session.AddAsync([Entry(id)]);
        await cluster.Cluster.DeactivateAsync(cluster.Grains.GetGrain<IChunkGrain>(id.Partition(index.PartitionBits)));

        await Assert.ThrowsAsync<IndexRestartedException>(session.FlushAsync);
    }

    [Fact]
    public async Task Add_SameIdTwice_KeepsTheFirstLocation()
    {
        var index = new ChunkIndex(cluster.Grains, cluster.Node.Config.IndexPartitionBits);
        var id = RandomId();
        var session = index.BeginSession();
        await session.AddAsync([Entry(id)]);
        var second = Entry(id) with { Location = Entry(id).Location with { Offset = 999 } };
        await session.AddAsync([second]);
        await session.FlushAsync();

        var found = await index.LookupAsync([id]);
        Assert.Equal(40u, found[0]!.Value.Offset);
    }
}
