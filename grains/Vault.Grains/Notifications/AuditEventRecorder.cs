using Vault.Notifications;
using Vault.Security;

namespace Vault.Grains.Notifications;

/// <summary>Every published event lands in the cluster's audit log (who: the node; what: "event &lt;kind&gt;").</summary>
public sealed class AuditEventRecorder(IGrainFactory grains) : IEventRecorder
{
    public Task RecordAsync(VaultEvent notification, string node, CancellationToken cancellationToken) =>
        grains.GetGrain<IAuditLogGrain>("default").AppendAsync(new AuditRecord(
            notification.At,
            "node:" + node,
            "event " + notification.Kind,
            notification.Subject,
            notification.Resolves ? "resolved" : notification.Severity.ToString().ToLowerInvariant(),
            notification.Summary));
}
