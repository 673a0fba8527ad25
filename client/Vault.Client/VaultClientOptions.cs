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

    /// <summary>API key sent as "authorization: Bearer ..." on every call; null = none (authentication off).</summary>
    public string? Token { get; set; }

    /// <summary>HTTP handler of the channel (for example to trust a private CA); null = the default.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Bytes per message of a stream upload (64 KiB to 4 MiB).</summary>
    public int UploadMessageBytes { get; set; } = 1024 * 1024;
}
