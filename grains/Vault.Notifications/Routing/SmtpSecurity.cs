namespace Vault.Notifications;

/// <summary>How an SMTP channel protects the connection.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection, then STARTTLS (required: a server that does not offer it fails the delivery).</summary>
    StartTls = 0,

    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    Tls = 1,

    /// <summary>No encryption: only for a relay on the same host.</summary>
    None = 2,
}
