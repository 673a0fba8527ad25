using Microsoft.Extensions.Logging;

namespace Vault.Notifications;

internal static partial class NotificationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Kind} ({Severity}) about {Subject}: {Summary}; {Action}, to {Channels}")]
    public static partial void Published(ILogger logger, string kind, EventSeverity severity, string subject, string summary, ThrottleAction action, string channels);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {Delivery} ({Kind} {Subject}) delivered to {Channel} on attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string delivery, string kind, string subject, string channel, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Delivery} to {Channel} failed on attempt {Attempt}: {Error}; next attempt at {Next:o}")]
    public static partial void Retrying(ILogger logger, string delivery, string channel, int attempt, string error, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Delivery} ({Kind} {Subject}) to {Channel} dead-lettered after {Attempts} attempt(s): {Error}")]
    public static partial void DeadLettered(ILogger logger, string delivery, string kind, string subject, string channel, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Kind} about {Subject} could not be written to the audit log: {Error}")]
    public static partial void AuditFailed(ILogger logger, string kind, string subject, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The notification outbox file could not be read and was moved to {Path}; undelivered notifications in it are not sent")]
    public static partial void OutboxSetAside(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The notification dispatcher failed; retrying in a second")]
    public static partial void DispatcherFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "The certificate expiry check failed; it runs again at the next interval")]
    public static partial void CertificateCheckFailed(ILogger logger, Exception e);
}
