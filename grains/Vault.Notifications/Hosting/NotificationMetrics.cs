using System.Diagnostics.Metrics;

namespace Vault.Notifications;

/// <summary>
/// Notification instruments on the process-wide Meter("Vault") (exported as vault_notifications_*).
/// Labels are bounded: kind (the fixed event kinds), severity, channel (configured names), outcome.
/// </summary>
public static class NotificationMetrics
{
    public const string MeterName = "Vault";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Events = Meter.CreateCounter<long>("vault.notifications.events", null, "Events published, by kind, severity and status (triggered, resolved).");
    private static readonly Counter<long> Suppressed = Meter.CreateCounter<long>("vault.notifications.suppressed", null, "Repeats held back by dedup inside the window, by kind.");
    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>("vault.notifications.attempts", null, "Delivery attempts, by channel and outcome (delivered, retry, rejected, dead_lettered).");
    private static Func<long>? _pending;

    static NotificationMetrics()
    {
        Meter.CreateObservableGauge("vault.notifications.pending", () => _pending?.Invoke() ?? 0, null, "Deliveries waiting in this node's outbox.");
    }

    public static void Event(VaultEvent e) =>
        Events.Add(1, new("kind", e.Kind), new("severity", e.Severity.ToString().ToLowerInvariant()), new("status", e.Resolves ? "resolved" : "triggered"));

    public static void Suppress(string kind) => Suppressed.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void Attempt(string channel, string outcome) => Attempts.Add(1, new("channel", channel), new("outcome", outcome));

    public static void ObservePending(Func<long> pending) => _pending = pending;
}
