namespace Vault.Notifications;

/// <summary>This node's outbox: totals, each channel, and the open (raised, not yet resolved) conditions.</summary>
public sealed record NotificationStatus(
    string Node,
    int Pending,
    int DeadLettered,
    long DeadLettersDropped,
    IReadOnlyList<ChannelStatus> Channels,
    IReadOnlyList<ThrottleEntry> OpenConditions);
