using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Vault.Failover.Tests.Infrastructure;

public sealed record ReceivedWebhook(string Event, string Delivery, JsonElement Body, bool SignatureValid, DateTimeOffset At);

/// <summary>An HTTP receiver on 127.0.0.1 that records webhook deliveries and checks their HMAC-SHA256 signature itself.</summary>
public sealed class WebhookSink : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _secret;
    private readonly Task _loop;

    public WebhookSink(int port, string secret)
    {
        _secret = Encoding.UTF8.GetBytes(secret);
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Answer 500 to this many requests first (to exercise retries).</summary>
    public int FailFirst { get; set; }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            if (FailFirst > 0)
            {
                FailFirst--;
                context.Response.StatusCode = 500;
                context.Response.Close();
                continue;
            }

            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, bytes));
            var given = context.Request.Headers["X-Vault-Signature"] ?? "";
            var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
            Received.Enqueue(new ReceivedWebhook(context.Request.Headers["X-Vault-Event"] ?? "", context.Request.Headers["X-Vault-Delivery"] ?? "",
                JsonDocument.Parse(bytes).RootElement.Clone(), valid, DateTimeOffset.UtcNow));
            context.Response.StatusCode = 204;
            context.Response.Close();
        }
    }
}
