namespace Vault.Notifications;

/// <summary>Vault:Notifications — channels, routing rules, dedup and delivery settings (docs/notifications.md).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Vault:Notifications";

    /// <summary>Linked from every message (Slack, email, PagerDuty links).</summary>
    public string? StatusPageUrl { get; set; }

    /// <summary>The same kind and subject are sent at most once per window; repeats are counted.</summary>
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts per delivery before it moves to the dead-letter list.</summary>
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A pack is reported under-replicated once it has been so for this long.</summary>
    public TimeSpan UnderReplicatedAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Dead letters kept (oldest dropped first, and counted in the status).</summary>
    public int DeadLetterCapacity { get; set; } = 1000;

    /// <summary>certificate.expiring and apikey.expiring are raised as Warning once a certificate or API key has this little time left.</summary>
    public TimeSpan ExpiryWarning { get; set; } = TimeSpan.FromDays(14);

    /// <summary>... and as Critical once it has this little left (or has expired).</summary>
    public TimeSpan ExpiryCritical { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often certificates and API keys are checked for expiry (also once at start).</summary>
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromHours(12);

    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, RouteRule> Rules { get; set; } = new(StringComparer.Ordinal);
}
