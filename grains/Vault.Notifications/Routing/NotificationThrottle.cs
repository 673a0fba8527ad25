namespace Vault.Notifications;

/// <summary>
/// Pure dedup and throttling: the same kind and subject are sent at most once per window; repeats inside
/// it are counted and reported with the next send. A resolve is sent only for an open condition and
/// forgets it, so the next occurrence is news again.
/// </summary>
public static class NotificationThrottle
{
    public static ThrottleDecision Decide(ThrottleEntry? entry, VaultEvent e, DateTimeOffset now, TimeSpan window)
    {
        if (e.Resolves)
        {
            return entry is { Active: true }
                ? new ThrottleDecision(ThrottleAction.SendResolve, entry.Severity, entry.Suppressed, null)
                : new ThrottleDecision(ThrottleAction.Ignore, e.Severity, 0, null);
        }

        // A more severe repeat is news even inside the window.
        if (entry is not null && now < entry.LastSent + window && e.Severity <= entry.Severity)
        {
            return new ThrottleDecision(ThrottleAction.Suppress, entry.Severity, 0, entry with { Suppressed = entry.Suppressed + 1, Active = true });
        }

        return new ThrottleDecision(ThrottleAction.Send, e.Severity, entry?.Suppressed ?? 0,
            new ThrottleEntry(e.Kind, e.Subject, e.Severity, now, 0, Active: true));
    }
}
