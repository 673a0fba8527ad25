using System.Net;
using System.Net.Http.Headers;

namespace Vault.Notifications;

/// <summary>Posts a JSON body and maps the answer: 2xx delivered; 408, 429 and 5xx retried (honouring Retry-After); other 4xx rejected.</summary>
internal static class HttpDelivery
{
    public static async Task<DeliveryResult> PostAsync(HttpClient client, Uri url, byte[] body, IEnumerable<KeyValuePair<string, string>> headers, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await client.SendAsync(request, timer.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return DeliveryResult.Delivered;
            }

            var text = await response.Content.ReadAsStringAsync(timer.Token).ConfigureAwait(false);
            var error = $"{what} answered HTTP {(int)response.StatusCode}{(text.Length > 0 ? ": " + Shorten(text) : "")}";
            var code = response.StatusCode;
            if (code == HttpStatusCode.TooManyRequests || code == HttpStatusCode.RequestTimeout || (int)code >= 500)
            {
                return DeliveryResult.Retry(error, RetryAfter(response));
            }

            return DeliveryResult.Reject(error);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retry($"{what} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            // The message names host and port at most; never the path (a Slack URL's path is its secret).
            return DeliveryResult.Retry($"{what} unreachable: {e.HttpRequestError} ({e.InnerException?.Message ?? "no detail"})");
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } retry)
        {
            return null;
        }

        if (retry.Delta is { } delta)
        {
            return delta;
        }

        return retry.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= 300 ? text : text[..300] + "…";
    }
}
