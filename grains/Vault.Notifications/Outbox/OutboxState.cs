namespace Vault.Notifications;

/// <summary>Everything the per-node outbox persists: pending deliveries, dead letters, open conditions, channel stats.</summary>
public sealed class OutboxState
{
    public const int Version = 1;

    public int FormatVersion { get; set; } = Version;

    public List<OutboxDelivery> Pending { get; set; } = [];

    public List<OutboxDelivery> DeadLetters { get; set; } = [];

    /// <summary>Dead letters that fell off the end of the list (capacity).</summary>
    public long DeadLettersDropped { get; set; }

    public Dictionary<string, ThrottleEntry> Conditions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, ChannelStats> Channels { get; set; } = new(StringComparer.Ordinal);
}
