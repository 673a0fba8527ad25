using Microsoft.Extensions.Hosting;
using Vault.Notifications;

namespace Vault.Grains.Notifications;

/// <summary>
/// node.down / node.up from Orleans membership, by node name (a restarted node comes back under a new silo
/// address). Only one silo reports: the active one with the smallest name, so the cluster says it once.
/// </summary>
public sealed class MembershipWatch(IClusterMembershipService membership, ILocalSiloDetails local, INotificationSink sink) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<string>? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var active = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
                var reporter = active.Order(StringComparer.Ordinal).FirstOrDefault() == local.Name;
                if (previous is not null && reporter)
                {
                    foreach (var down in previous.Except(active).Order(StringComparer.Ordinal))
                    {
                        NodeEvents.NodeDown(sink, down);
                    }

                    foreach (var up in active.Except(previous).Order(StringComparer.Ordinal))
                    {
                        NodeEvents.NodeUp(sink, up);
                    }
                }

                previous = active;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
