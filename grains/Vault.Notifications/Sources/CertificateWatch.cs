using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vault.Notifications;

/// <summary>
/// Checks the node's configured certificates at start and every <see cref="NotificationOptions.ExpiryCheckInterval"/>,
/// publishing certificate.expiring (or its clear) for each; dedup keeps a repeat inside the window quiet. A certificate that
/// is no longer configured has its open condition cleared.
/// </summary>
public sealed class CertificateWatch(ICertificateSource source, INotificationSink sink, NotificationContext context, NotificationOptions options, TimeProvider time, ILogger<CertificateWatch> logger) : BackgroundService
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>One check of every certificate; returns the events published.</summary>
    public IReadOnlyList<VaultEvent> CheckOnce()
    {
        var now = time.GetUtcNow();
        var certificates = source.Certificates();
        var events = certificates.Select(c => CertificateExpiry.Assess(context.Node, c, now, options.ExpiryWarning, options.ExpiryCritical)).ToList();
        var current = certificates.Select(c => CertificateExpiry.Subject(context.Node, c)).ToHashSet(StringComparer.Ordinal);
        events.AddRange(_seen.Where(s => !current.Contains(s)).Order(StringComparer.Ordinal)
            .Select(s => VaultEvent.Clear(EventKinds.CertificateExpiring, s, $"{s} is no longer configured", now)));
        _seen.Clear();
        _seen.UnionWith(current);
        foreach (var e in events)
        {
            sink.Publish(e);
        }

        return events;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                CheckOnce();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                NotificationLog.CertificateCheckFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.ExpiryCheckInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
