namespace Vault.Notify;

// A node's notification outbox as the API shows it (docs/notifications.md). Each node delivers its own
// events, so status and test are asked of the node's grain, placed on that node.

/// <summary>One channel of a node's outbox.</summary>
[GenerateSerializer, Immutable, Alias("vault.notify-channel")]
public sealed record NotifyChannelInfo(
    string Name,
    string Type,
    int Pending,
    int DeadLettered,
    long Delivered,
    long FailedAttempts,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastDelivered,
    DateTimeOffset? NextAttempt);

/// <summary>A raised condition not yet cleared, with the repeats suppressed since it was last sent.</summary>
[GenerateSerializer, Immutable, Alias("vault.notify-condition")]
public sealed record NotifyConditionInfo(
    string Kind,
    string Subject,
    string Severity,
    DateTimeOffset LastSent,
    int Suppressed);

[GenerateSerializer, Immutable, Alias("vault.notify-status")]
public sealed record NotifyStatusInfo(
    string Node,
    int Pending,
    int DeadLettered,
    long DeadLettersDropped,
    IReadOnlyList<NotifyChannelInfo> Channels,
    IReadOnlyList<NotifyConditionInfo> OpenConditions);

/// <summary>What became of a test message: delivered, dead-lettered (rejected), or still pending after the wait with its last error.</summary>
[GenerateSerializer, Immutable, Alias("vault.notify-test")]
public sealed record NotifyTestResult(
    string Node,
    string Channel,
    string Delivery,
    string Outcome,
    int Attempts,
    string? Error);

/// <summary>A node's notifications (key: node id), placed on that node.</summary>
public interface INotifyGrain : IGrainWithStringKey
{
    Task<NotifyStatusInfo> GetStatusAsync();

    /// <summary>Sends a test message to one channel, past rules and dedup, and waits (bounded) for its first outcome. Throws <see cref="NotFoundException"/> for an unknown channel.</summary>
    Task<NotifyTestResult> TestAsync(string channel);
}
