namespace Vault.Notifications;

/// <summary>
/// Exponential backoff with "equal jitter": the n-th retry waits between half and all of
/// min(max, initial × 2^(n-1)), so a fleet of nodes does not retry in step. A server's Retry-After
/// is honoured when it asks for longer (up to an hour).
/// </summary>
public static class RetryBackoff
{
    public static readonly TimeSpan RetryAfterCap = TimeSpan.FromHours(1);

    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="jitter">A uniform draw in [0, 1).</param>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter, TimeSpan? retryAfter = null)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ceiling = TimeSpan.FromTicks((long)Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, exponent)));
        var delay = ceiling / 2 + ceiling / 2 * Math.Clamp(jitter, 0, 1);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < RetryAfterCap ? asked : RetryAfterCap;
        }

        return delay;
    }
}
