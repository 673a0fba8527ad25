namespace Vault.Offsite.Upload;

/// <summary>
/// A byte rate shared by every upload of the node: each transfer reserves its bytes on a timeline that
/// advances by bytes / rate, and waits until its slot starts. Unlimited when the rate is 0.
/// </summary>
public sealed class BandwidthLimit(long bytesPerSecond, TimeProvider time)
{
    private readonly object _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public async Task AcquireAsync(long bytes, CancellationToken ct)
    {
        if (bytesPerSecond <= 0)
        {
            return;
        }

        DateTimeOffset start;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            start = _next > now ? _next : now;
            _next = start + TimeSpan.FromSeconds((double)bytes / bytesPerSecond);
        }

        var wait = start - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, ct);
        }
    }
}
