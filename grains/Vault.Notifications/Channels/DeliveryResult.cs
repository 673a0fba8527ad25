namespace Vault.Notifications;

public enum DeliveryOutcome
{
    Delivered,

    /// <summary>Worth trying again (timeouts, 429, 5xx, connection refused).</summary>
    Retry,

    /// <summary>The receiver refused the message itself (e.g. PagerDuty's 400): retrying cannot help, it is dead-lettered at once.</summary>
    Rejected,
}

/// <summary>What one attempt came to; <see cref="Error"/> never contains a secret.</summary>
public readonly record struct DeliveryResult(DeliveryOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null)
{
    public static DeliveryResult Delivered { get; } = new(DeliveryOutcome.Delivered);

    public static DeliveryResult Retry(string error, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Retry, error, retryAfter);

    public static DeliveryResult Reject(string error) => new(DeliveryOutcome.Rejected, error);
}
