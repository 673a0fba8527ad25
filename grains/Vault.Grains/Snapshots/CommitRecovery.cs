using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Grains.Retention;
using Vault.Retention;

namespace Vault.Grains.Snapshots;

/// <summary>
/// At silo start, finishes the snapshot commits a crash interrupted (see RetentionGrain.Commit.cs),
/// so that every snapshot is either listed and restorable or absent. Retries until the cluster
/// answers (the silo may still be joining), then ends.
/// </summary>
public sealed partial class CommitRecovery(IGrainFactory grains, ILogger<CommitRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var finished = await grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository).RecoverCommitsAsync();
                if (finished > 0)
                {
                    LogRecovered(finished);
                }

                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotYet(e.Message);
            }

            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Finished {Count} snapshot commit(s) interrupted by a crash")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Interrupted commits not checked yet (the cluster is not answering): {Reason}")]
    private partial void LogNotYet(string reason);
}
