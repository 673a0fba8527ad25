using Vault.Schedules;

namespace Vault.Grains.Schedules;

/// <summary>When a schedule comes due and how long a retry waits: pure functions of the definition and the clock.</summary>
public static class ScheduleTimes
{
    /// <summary>The shortest <see cref="ScheduleSpec.Every"/>: a cron expression cannot be finer either.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MaximumInterval = TimeSpan.FromDays(366);

    /// <summary>The exponential backoff stops growing here.</summary>
    public static readonly TimeSpan MaximumRetryDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// The first due time strictly after <paramref name="after"/>: for an interval, on the grid
    /// <paramref name="anchor"/> + k × Every (k ≥ 1), so runs do not drift by their own duration; for a cron
    /// expression, its next matching minute. Null for a disabled schedule.
    /// </summary>
    public static DateTimeOffset? NextDue(ScheduleSpec spec, DateTimeOffset anchor, DateTimeOffset after)
    {
        if (!spec.Enabled)
        {
            return null;
        }

        if (spec.Every is { } every)
        {
            var periods = after < anchor ? 1 : (after - anchor).Ticks / every.Ticks + 1;
            return anchor + TimeSpan.FromTicks(every.Ticks * periods);
        }

        return CronExpression.Parse(spec.Cron!).Next(after);
    }

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failed attempt of a run: backoff × 2^(n−1), at most one hour.</summary>
    public static TimeSpan RetryDelay(TimeSpan backoff, int failedAttempts)
    {
        var ticks = backoff.Ticks * Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 40));
        return ticks >= MaximumRetryDelay.Ticks ? MaximumRetryDelay : TimeSpan.FromTicks((long)ticks);
    }
}
