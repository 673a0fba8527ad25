using System.Globalization;
using Vault.Notifications;

namespace Vault.Grains.Notifications;

/// <summary>
/// Turns the repair loop's per-pass count of under-replicated packs into pack.under-replicated: raised once the
/// count has stayed above zero for the configured time (a node restart is not news), cleared when it reaches zero.
/// </summary>
public sealed class UnderReplicationWatch(INotificationSink sink, NotificationOptions options, TimeProvider time)
{
    private DateTimeOffset? _since;

    public void Observe(string node, long underReplicated)
    {
        var now = time.GetUtcNow();
        if (underReplicated == 0)
        {
            if (_since is not null)
            {
                sink.Publish(VaultEvent.Clear(EventKinds.PackUnderReplicated, NodeEvents.NodeSubject(node), $"every pack held by node {node} has its replicas again"));
            }

            _since = null;
            return;
        }

        _since ??= now;
        if (now - _since.Value >= options.UnderReplicatedAfter)
        {
            sink.Publish(VaultEvent.Raise(EventKinds.PackUnderReplicated, EventSeverity.Warning, NodeEvents.NodeSubject(node),
                $"{underReplicated} pack(s) held by node {node} have had fewer copies than the replica count since {_since.Value:u}",
                new Dictionary<string, string> { ["packs"] = underReplicated.ToString(CultureInfo.InvariantCulture), ["since"] = _since.Value.ToString("u", CultureInfo.InvariantCulture) }));
        }
    }
}
