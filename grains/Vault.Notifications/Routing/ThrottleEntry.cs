namespace Vault.Notifications;

/// <summary>What the outbox remembers of one condition (kind + subject): when it was last sent, repeats held back since, whether it is open.</summary>
public sealed record ThrottleEntry(string Kind, string Subject, EventSeverity Severity, DateTimeOffset LastSent, int Suppressed, bool Active);
