using Vault.Retention;
using Vault.Snapshots;

namespace Vault.Grains.Retention;

/// <summary>
/// A running backup's lease: taken before its first index lookup, renewed in the background,
/// used for the commit, released when the backup ends. While it is held, GC does not delete
/// anything the backup may have deduplicated against; once it expired, the commit is refused.
/// </summary>
public sealed class BackupLeaseHandle : IAsyncDisposable
{
    private readonly IRetentionGrain _retention;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private bool _ended;

    private BackupLeaseHandle(IRetentionGrain retention, BackupLease lease)
    {
        _retention = retention;
        Id = lease.Id;
        _renewal = RenewAsync(lease.Renewal);
    }

    public Guid Id { get; }

    public static async Task<BackupLeaseHandle> AcquireAsync(IGrainFactory grains, string owner)
    {
        var retention = grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository);
        return new BackupLeaseHandle(retention, await retention.AcquireLeaseAsync(owner));
    }

    /// <summary>Commits the snapshot under the lease (which ends it). Throws <see cref="LeaseExpiredException"/> when it expired.</summary>
    public async Task CommitAsync(SnapshotInfo committed)
    {
        await _retention.CommitSnapshotAsync(Id, committed);
        _ended = true;
    }

    /// <summary>Records a checkpoint under the lease (which also renews it).</summary>
    public Task CheckpointAsync(BackupCheckpoint checkpoint) => _retention.CheckpointAsync(Id, checkpoint);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        _stop.Dispose();
        if (!_ended)
        {
            _ended = true;
            try
            {
                await _retention.ReleaseLeaseAsync(Id);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Unreleased, it simply expires: GC waits at most one lease duration longer.
            }
        }
    }

    private async Task RenewAsync(TimeSpan every)
    {
        using var timer = new PeriodicTimer(every > TimeSpan.Zero ? every : TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await _retention.RenewLeaseAsync(Id);
                }
                catch (LeaseExpiredException)
                {
                    return; // the commit will be refused; nothing to renew any more
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Transient (the grain moving, a silo restarting): the next tick tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
