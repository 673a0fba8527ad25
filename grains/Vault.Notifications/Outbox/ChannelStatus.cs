namespace Vault.Notifications;

/// <summary>One channel as `vault notify status` shows it.</summary>
public sealed record ChannelStatus(
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
