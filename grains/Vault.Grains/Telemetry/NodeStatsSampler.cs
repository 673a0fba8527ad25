using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Grains.Node;
using Vault.Grains.Snapshots;
using Vault.Snapshots;

namespace Vault.Grains.Telemetry;

/// <summary>
/// Samples this node's pack store (count, bytes, free disk) and the snapshot catalog every
/// <c>interval</c> and publishes the results to <see cref="VaultMetrics"/>. Scrapes read the
/// cached values only: walking the pack directory or calling the catalog grain on a scrape could
/// make a scrape slow or hang while the cluster is unhealthy, which is when metrics matter most.
/// A failed sample keeps the previous values (their age is visible in the summary endpoint).
/// </summary>
public sealed class NodeStatsSampler(VaultNode node, IGrainFactory grains, TimeSpan interval, ILogger<NodeStatsSampler> logger) : BackgroundService
{
    private static readonly TimeSpan CatalogTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var published = VaultMetrics.Publish(SampleStorage());
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                VaultMetrics.Publish(SampleStorage());
                await SampleCatalogAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The silo may still be starting (catalog unreachable) or the disk may be failing;
                // the health endpoint reports those. Keep sampling.
                logger.SampleFailed(e.GetType().Name, e.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public NodeStats SampleStorage() => StorageUsage.Sample(node);

    private async Task SampleCatalogAsync(CancellationToken ct)
    {
        var catalog = grains.GetGrain<ISnapshotCatalogGrain>(SnapshotCatalogGrain.DefaultRepository);
        var snapshots = await catalog.ListAsync().WaitAsync(CatalogTimeout, ct);
        var last = snapshots
            .Where(s => s.State == SnapshotState.Committed)
            .GroupBy(s => s.Node, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(s => s.Time), StringComparer.Ordinal);
        VaultMetrics.Publish(new CatalogStats(snapshots.Count, last, DateTimeOffset.UtcNow));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>What a node's pack store holds and how much disk is left: one walk of the store.</summary>
public static class StorageUsage
{
    public static NodeStats Sample(VaultNode node)
    {
        long count = 0, used = 0;
        foreach (var pack in node.Packs.Enumerate())
        {
            try
            {
                used += node.Packs.Length(pack);
                count++;
            }
            catch (Exception e) when (e is FileNotFoundException or Vault.Storage.CorruptDataException)
            {
                // Deleted between listing and stat (garbage collection, repair): not there any more.
            }
        }

        var drive = new DriveInfo(node.DataDir);
        return new NodeStats(node.NodeId, count, used, drive.AvailableFreeSpace, drive.TotalSize, DateTimeOffset.UtcNow);
    }
}
