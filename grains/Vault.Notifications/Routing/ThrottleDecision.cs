namespace Vault.Notifications;

public enum ThrottleAction
{
    /// <summary>Deliver the event (a first occurrence, or the window has passed).</summary>
    Send,

    /// <summary>A repeat inside the window: counted, not delivered.</summary>
    Suppress,

    /// <summary>The condition was open: deliver the resolve.</summary>
    SendResolve,

    /// <summary>A resolve for a condition nobody was told about: nothing to say.</summary>
    Ignore,
}

/// <summary>The action, the severity to route with, the repeats suppressed before this send, and the entry to remember (null: forget the condition).</summary>
public sealed record ThrottleDecision(ThrottleAction Action, EventSeverity Severity, int SuppressedBefore, ThrottleEntry? Next);
