using Microsoft.Extensions.Logging;
using Vault.Failover;

namespace Vault.Grains.Failover;

internal static partial class FailoverLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover {Service}: primary {Primary} {Health} ({Failures} failed checks): {Error}")]
    public static partial void PrimaryHealth(ILogger logger, string service, string primary, PrimaryHealth health, int failures, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover {Service} epoch {Epoch}: {Kind} from {From} to {To} started: {Reason}")]
    public static partial void Started(ILogger logger, string service, long epoch, FailoverKind kind, string? from, string to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover {Service} epoch {Epoch}: {Phase} {Result} in {DurationMs:0} ms: {Message}")]
    public static partial void Step(ILogger logger, string service, long epoch, FailoverPhase phase, string result, double durationMs, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failover {Service} epoch {Epoch} halted in {Phase}: {Error}")]
    public static partial void Halted(ILogger logger, string service, long epoch, FailoverPhase phase, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover {Service}: not acting: {Blocker}")]
    public static partial void Blocked(ILogger logger, string service, string blocker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Failover {Service}: resuming epoch {Epoch} in {Phase} on this silo")]
    public static partial void Resuming(ILogger logger, string service, long epoch, FailoverPhase phase);
}
