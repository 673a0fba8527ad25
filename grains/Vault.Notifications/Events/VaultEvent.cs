namespace Vault.Notifications;

/// <summary>
/// Something a human may need to know. <see cref="Kind"/> is stable (rules and receivers match on it);
/// <see cref="Subject"/> names what it is about ("schedule:nightly", "node:n2", "pack:ab12…", "service:pg").
/// A condition is raised by an event and cleared by one with <see cref="Resolves"/> set, of the same kind and subject.
/// </summary>
public sealed record VaultEvent(
    string Kind,
    EventSeverity Severity,
    string Subject,
    string Summary,
    IReadOnlyDictionary<string, string> Details,
    DateTimeOffset At,
    bool Resolves = false)
{
    private static readonly IReadOnlyDictionary<string, string> NoDetails = new Dictionary<string, string>();

    /// <summary>A condition that needs attention. <paramref name="at"/> defaults to the time it is published.</summary>
    public static VaultEvent Raise(string kind, EventSeverity severity, string subject, string summary, IReadOnlyDictionary<string, string>? details = null, DateTimeOffset at = default) =>
        new(kind, severity, subject, summary, details ?? NoDetails, at);

    /// <summary>The condition raised under the same kind and subject has cleared.</summary>
    public static VaultEvent Clear(string kind, string subject, string summary, DateTimeOffset at = default) =>
        new(kind, EventSeverity.Info, subject, summary, NoDetails, at, Resolves: true);

    /// <summary>The identity of the condition: dedup, throttling and PagerDuty's dedup key use it.</summary>
    public string ConditionKey => $"{Kind}|{Subject}";
}
