using Vault.Failover;
using Vault.Notifications;

namespace Vault.Grains.Notifications;

/// <summary>Failover controller events as notifications: kind by the controller's event name, subject "service:&lt;name&gt;".</summary>
public static class FailoverEvents
{
    public static void Publish(INotificationSink sink, string service, FailoverKind kind, long epoch, string? oldPrimary, string target, string eventName, string message)
    {
        var (eventKind, severity) = eventName switch
        {
            "failover.started" => (EventKinds.FailoverStarted, EventSeverity.Critical),
            "failover.completed" when kind == FailoverKind.Switchover => (EventKinds.SwitchoverDone, EventSeverity.Info),
            "failover.completed" => (EventKinds.FailoverFinished, EventSeverity.Warning),
            "failover.halted" => (EventKinds.FailoverHalted, EventSeverity.Critical),
            "failover.blocked" => (EventKinds.FailoverBlocked, EventSeverity.Critical),
            "failover.old-primary-returned" => (EventKinds.FailoverOldPrimaryReturned, EventSeverity.Warning),
            "failover.rejoin-started" => (EventKinds.FailoverRejoinStarted, EventSeverity.Info),
            "failover.rejoined" => (EventKinds.FailoverRejoined, EventSeverity.Info),
            _ => (EventKinds.FailoverHalted, EventSeverity.Critical),
        };
        sink.Publish(VaultEvent.Raise(eventKind, severity, "service:" + service, $"{service}: {message}", new Dictionary<string, string>
        {
            ["service"] = service,
            ["kind"] = kind.ToString().ToLowerInvariant(),
            ["epoch"] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["old primary"] = oldPrimary ?? "",
            ["target"] = target,
            ["event"] = eventName,
        }));
    }
}
