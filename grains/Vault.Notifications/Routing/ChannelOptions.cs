namespace Vault.Notifications;

/// <summary>
/// One channel: Vault:Notifications:Channels:&lt;name&gt;. Which keys apply depends on <see cref="Type"/>
/// (see docs/notifications.md); secrets (webhook URLs, routing keys, signing secrets, passwords) are
/// read from a file (first line) or an environment variable, never from configuration values.
/// </summary>
public sealed class ChannelOptions
{
    public ChannelType? Type { get; set; }

    /// <summary>Slack: the incoming webhook URL. Webhook: the receiver's URL (not secret). PagerDuty: the Events API endpoint.</summary>
    public string? Url { get; set; }

    /// <summary>Slack: file holding the incoming webhook URL (it is a credential).</summary>
    public string? UrlFile { get; set; }

    public string? UrlEnv { get; set; }

    /// <summary>PagerDuty: the integration's routing key. Webhook: the HMAC signing secret. SMTP: the password.</summary>
    public string? SecretFile { get; set; }

    public string? SecretEnv { get; set; }

    public string? Host { get; set; }

    public int Port { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>SMTP: extra trusted root (PEM) for a relay with a private CA.</summary>
    public string? CaFile { get; set; }

    public string? UserName { get; set; }

    public string? From { get; set; }

    public List<string> To { get; set; } = [];

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
