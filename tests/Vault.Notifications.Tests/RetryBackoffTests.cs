namespace Vault.Notifications.Tests;

public class RetryBackoffTests
{
    public static TheoryData<int, double, int?, double> Cases => new()
    {
        // attempt, jitter, Retry-After seconds, expected seconds (initial 5 s, max 300 s)
        { 1, 0.0, null, 2.5 },
        { 1, 0.999999, null, 5.0 },
        { 2, 0.0, null, 5 },
        { 3, 0.5, null, 15 },
        { 6, 1.0, null, 160 },
        { 7, 0.0, null, 150 },
        { 7, 1.0, null, 300 },
        { 40, 1.0, null, 300 },
        { 1, 0.0, 30, 30 },
        { 7, 1.0, 30, 300 },
        { 1, 0.0, 7200, 3600 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Delay_ExponentialJitterRetryAfter(int attempt, double jitter, int? retryAfter, double expectedSeconds)
    {
        var delay = RetryBackoff.Delay(attempt, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(300), jitter,
            retryAfter is { } s ? TimeSpan.FromSeconds(s) : null);
        Assert.Equal(expectedSeconds, delay.TotalSeconds, 3);
    }
}
