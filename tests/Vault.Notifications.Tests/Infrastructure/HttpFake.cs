using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Vault.Notifications.Tests.Infrastructure;

public sealed record FakeRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

public sealed record FakeAnswer(int Status, string Body = "", string ContentType = "text/plain", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// An HTTP receiver on 127.0.0.1 standing in for a cloud API that cannot run here. Subclasses check
/// what the real API checks and answer with its status codes. <see cref="Script"/> makes the next
/// requests fail (outages, rate limits) before the normal answer.
/// </summary>
public abstract class HttpFake : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    protected HttpFake(string path)
    {
        var port = TestPorts.Free();
        Url = $"http://127.0.0.1:{port}{path}";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    /// <summary>Every request received, answered or not.</summary>
    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    /// <summary>Answers given before the normal ones (first in, first used).</summary>
    public ConcurrentQueue<FakeAnswer> Script { get; } = new();

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

        GC.SuppressFinalize(this);
    }

    protected abstract FakeAnswer Answer(FakeRequest request);

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
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var request = new FakeRequest(context.Request.Url!.AbsolutePath, headers, body.ToArray(), DateTimeOffset.UtcNow);
            Requests.Enqueue(request);
            var answer = Script.TryDequeue(out var scripted) ? scripted : Answer(request);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.ContentType;
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
