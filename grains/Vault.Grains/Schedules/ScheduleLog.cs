using Microsoft.Extensions.Logging;
using Vault.Schedules;

namespace Vault.Grains.Schedules;

internal static partial class ScheduleLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Name} ({Kind}, {Timing}) set; next due {NextDue:o}")]
    public static partial void Set(ILogger logger, string name, ScheduleKind kind, string? timing, DateTimeOffset? nextDue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Name} deleted")]
    public static partial void Deleted(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Name}: starting {Kind}, attempt {Attempt} of {Attempts}{Manual}")]
    private static partial void Starting(ILogger logger, string name, ScheduleKind kind, int attempt, int attempts, string manual);

    public static void Starting(ILogger logger, string name, ScheduleKind kind, int attempt, int attempts, bool manual) =>
        Starting(logger, name, kind, attempt, attempts, manual ? " (run by hand)" : "");

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Name}: attempt {Attempt} succeeded: {Detail}")]
    public static partial void Succeeded(ILogger logger, string name, int attempt, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Name}: attempt {Attempt} failed, retrying at {RetryAt:o}: {Error}")]
    public static partial void Retrying(ILogger logger, string name, int attempt, DateTimeOffset retryAt, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Name}: attempt {Attempt} failed, no retries left; next due {NextDue:o}: {Error}")]
    public static partial void GaveUp(ILogger logger, string name, int attempt, DateTimeOffset? nextDue, string? error);
}
