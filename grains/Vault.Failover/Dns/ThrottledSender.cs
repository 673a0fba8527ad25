// One HTTP exchange with a cloud API, retried only while the provider says it is throttling (HTTP 429,
// AWS "Throttling"/"PriorRequestNotComplete", 503), waiting its Retry-After or an exponential backoff,
// and at most MaxAttempts times; every other answer goes back to the caller unchanged.
using System.Globalization;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Dns;

public sealed class ThrottledSender(HttpClient http, string provider, int maxAttempts, TimeSpan firstBackoff)
{
    private static readonly TimeSpan _maxWait = TimeSpan.FromSeconds(20);

    /// <summary>Sends the request <paramref name="build"/> makes (a fresh one each attempt); returns the status and body of the first answer that is not throttling.</summary>
    public async Task<(int Status, string Body)> SendAsync(Func<CancellationToken, Task<HttpRequestMessage>> build, Func<int, string, bool> isThrottled,
        CancellationToken cancellationToken)
    {
        var backoff = firstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            using var request = await build(cancellationToken);
            int status;
            string body;
            TimeSpan? retryAfter;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                status = (int)response.StatusCode;
                body = await response.Content.ReadAsStringAsync(cancellationToken);
                retryAfter = response.Headers.RetryAfter?.Delta ??
                    (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            }
            catch (HttpRequestException e)
            {
                throw new FailoverStepException($"{provider} at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} cannot be reached: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FailoverStepException($"{provider} at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer within {http.Timeout.TotalSeconds:0} s", e);
            }

            if (!isThrottled(status, body))
            {
                return (status, body);
            }

            if (attempt >= maxAttempts)
            {
                throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                    $"{provider} kept throttling: {attempt} attempts of {request.Method} {request.RequestUri?.AbsolutePath} answered HTTP {status}; last answer: {Shorten(body)}"));
            }

            var wait = retryAfter is { } r && r > TimeSpan.Zero ? (r < _maxWait ? r : _maxWait) : backoff;
            await Task.Delay(wait, cancellationToken);
            backoff = backoff * 2 < _maxWait ? backoff * 2 : _maxWait;
        }
    }

    public static string Shorten(string body) => body.Length <= 400 ? body.Trim() : body[..400].Trim() + "…";
}
