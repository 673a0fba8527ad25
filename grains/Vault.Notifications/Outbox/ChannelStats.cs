namespace Vault.Notifications;

/// <summary>Delivery counters and the last outcome of one channel, persisted with the outbox.</summary>
public sealed record ChannelStats(
    long Delivered = 0,
    long FailedAttempts = 0,
    long DeadLettered = 0,
    string? LastError = null,
    DateTimeOffset? LastErrorAt = null,
    DateTimeOffset? LastDelivered = null,
    bool Failing = false);
