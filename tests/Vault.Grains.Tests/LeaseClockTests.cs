using Vault.Grains.Retention;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Tests;

/// <summary>Backup leases and abandoned checkpoints expire on the node's clock (a fake one here, moved by the tests).</summary>
[Collection(ClockedCollection.Name)]
public sealed class LeaseClockTests(ClockedClusterFixture cluster)
{
    private static readonly RetentionSettings Defaults = new();

    private IRetentionGrain Retention => cluster.Grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository);

    [Fact]
    public async Task Lease_PastItsDuration_CommitAndRenewAreRefused()
    {
        var lease = await Retention.AcquireLeaseAsync("test");
        Assert.Equal(cluster.Clock.GetUtcNow() + Defaults.LeaseDuration, lease.Expires);

        // One tick before expiry the lease still renews; after its (renewed) duration it is gone.
        cluster.Clock.Advance(Defaults.LeaseDuration - TimeSpan.FromSeconds(1));
        var renewed = await Retention.RenewLeaseAsync(lease.Id);
        Assert.Equal(cluster.Clock.GetUtcNow() + Defaults.LeaseDuration, renewed.Expires);
        cluster.Clock.Advance(Defaults.LeaseDuration + TimeSpan.FromSeconds(1));

        var info = new SnapshotInfo(SnapshotId.New(), cluster.NodeId, "h", ["/x"], [], cluster.Clock.GetUtcNow(), null, default,
            new SnapshotStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), SnapshotState.Committed, false);
        var error = await Assert.ThrowsAsync<LeaseExpiredException>(() => Retention.CommitSnapshotAsync(lease.Id, info));
        Assert.Contains("run the backup again", error.Message);
        Assert.Null(await cluster.Grains.GetGrain<ISnapshotGrain>(info.Id.Value).TryGetAsync());
        await Assert.ThrowsAsync<LeaseExpiredException>(() => Retention.RenewLeaseAsync(lease.Id));
    }

    [Fact]
    public async Task AbandonedCheckpoint_IsKeptForCheckpointKeep_ThenDropped()
    {
        var pack = PackId.FromBytes(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray()));
        var lease = await Retention.AcquireLeaseAsync("crashing backup");
        await Retention.CheckpointAsync(lease.Id, new BackupCheckpoint(cluster.NodeId, ["/crashed"], [pack]));

        // The backup dies: its lease expires (revoked by the next acquire) but the checkpoint stays.
        cluster.Clock.Advance(Defaults.LeaseDuration + TimeSpan.FromSeconds(1));
        var other = await Retention.AcquireLeaseAsync("next backup");
        await Assert.ThrowsAsync<LeaseExpiredException>(() => Retention.RenewLeaseAsync(lease.Id));
        Assert.Contains(pack, await Retention.ListCheckpointPacksAsync());
        await Retention.ReleaseLeaseAsync(other.Id);

        // Kept until CheckpointKeep after the last checkpoint, dropped after.
        cluster.Clock.Advance(Defaults.CheckpointKeep - Defaults.LeaseDuration - TimeSpan.FromSeconds(2));
        Assert.Contains(pack, await Retention.ListCheckpointPacksAsync());
        cluster.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(pack, await Retention.ListCheckpointPacksAsync());
    }
}
