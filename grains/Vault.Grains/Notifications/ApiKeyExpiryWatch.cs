using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Notifications;
using Vault.Security;

namespace Vault.Grains.Notifications;

/// <summary>
/// apikey.expiring for the cluster's API keys, checked at start and every ExpiryCheckInterval. The keys are the
/// cluster's, not a node's: only the reporting silo (the active one with the smallest name, as for node.down) checks,
/// so the cluster says it once.
/// </summary>
public sealed partial class ApiKeyExpiryWatch(IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails local, INotificationSink sink,
    NotificationOptions options, TimeProvider time, ILogger<ApiKeyExpiryWatch> logger) : BackgroundService
{
    /// <summary>How soon a check that failed (the key store not reachable yet) is tried again.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    /// <summary>Whether this silo is the one that reports cluster-wide conditions: the active member with the smallest name.</summary>
    public static bool IsReporter(IEnumerable<(string Name, SiloStatus Status)> members, string local) =>
        members.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order(StringComparer.Ordinal).FirstOrDefault() == local;

    /// <summary>One check: the events published (none when this silo is not the reporter).</summary>
    public async Task<IReadOnlyList<VaultEvent>> CheckOnceAsync()
    {
        if (!IsReporter(membership.CurrentSnapshot.Members.Values.Select(m => (m.Name, m.Status)), local.Name))
        {
            return [];
        }

        var now = time.GetUtcNow();
        var events = (await grains.GetGrain<IApiKeyGrain>("default").ListAsync())
            .Select(k => ApiKeyExpiry.Assess(k, now, options.ExpiryWarning, options.ExpiryCritical))
            .OfType<VaultEvent>().ToList();
        foreach (var e in events)
        {
            sink.Publish(e);
        }

        return events;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The first check waits for this silo to be an active member (before that it cannot tell whether it reports).
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                if (snapshot.Members.Values.Any(m => m.SiloAddress.Equals(local.SiloAddress) && m.Status == SiloStatus.Active))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.ExpiryCheckInterval;
            try
            {
                await CheckOnceAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                CheckFailed(logger, e.Message);
                wait = wait < RetryAfterFailure ? wait : RetryAfterFailure;
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API key expiry check failed: {Error}; it runs again at the next interval")]
    private static partial void CheckFailed(ILogger logger, string error);
}
