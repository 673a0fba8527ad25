namespace Vault.Client;

/// <summary>Settings of a <see cref="VaultClient"/>.</summary>
public sealed class VaultClientOptions
{
    /// <summary>How many times an idempotent read is tried in all when the gateway is unavailable (at least 1).</summary>
    public int ReadAttempts { get; set; } = 3;

    /// <summary>Delay before the first retry; doubled before each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Interval between progress messages of <see cref="VaultClient.WatchJobAsync"/>; zero = the server's default.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.Zero;
}
