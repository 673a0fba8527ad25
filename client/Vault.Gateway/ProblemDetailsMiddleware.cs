using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Vault.Gateway;

/// <summary>
/// Turns every REST error under /api/v1 into RFC 7807 problem details (application/problem+json with
/// type, title, status, detail and the gRPC code). JSON transcoding writes errors as google.rpc.Status;
/// this middleware captures an error body (never a successful one: those pass straight through, so
/// streams stay unbuffered) and rewrites it, with the titles of <see cref="GatewayErrors"/>. It also
/// refuses a declared body larger than <see cref="GatewayOptions.MaxRequestBytes"/> with 413 up front.
/// </summary>
public sealed class ProblemDetailsMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public const string ContentType = "application/problem+json";
    private const int MaxErrorBody = 64 * 1024;
    private readonly GatewayOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api/v1") || IsGrpc(context.Request))
        {
            await next(context);
            return;
        }

        if (context.Request.ContentLength > _options.MaxRequestBytes)
        {
            await WriteAsync(context.Response, 413, $"the request body has {context.Request.ContentLength} bytes; at most {_options.MaxRequestBytes} are accepted ({GatewayOptions.SectionName}:MaxRequestBytes)");
            return;
        }

        var response = context.Response;
        var original = response.Body;
        var capture = new ErrorCapturingStream(original, response);
        response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (capture.Captured is { } body)
        {
            var (detail, code) = Parse(body.ToArray());
            await WriteAsync(response, response.StatusCode, detail ?? GatewayErrors.Title(response.StatusCode), code);
        }
        else if (response.StatusCode >= 400 && !response.HasStarted)
        {
            await WriteAsync(response, response.StatusCode, GatewayErrors.Title(response.StatusCode));
        }
    }

    /// <summary>Writes a problem document (the response must not have started).</summary>
    public static async Task WriteAsync(HttpResponse response, int status, string detail, Grpc.Core.StatusCode? code = null)
    {
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.ContentLength = null;
        var grpc = code ?? GatewayErrors.FromHttpStatus(status);
        var problem = new Dictionary<string, object>
        {
            ["type"] = GatewayErrors.ProblemType(grpc),
            ["title"] = GatewayErrors.Title(status),
            ["status"] = status,
            ["detail"] = detail,
            ["code"] = grpc.ToString(),
        };
        await response.WriteAsync(JsonSerializer.Serialize(problem));
    }

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    private static (string? Detail, Grpc.Core.StatusCode? Code) Parse(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var detail = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            Grpc.Core.StatusCode? code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? (Grpc.Core.StatusCode)c.GetInt32() : null;
            return (detail, code);
        }
        catch (JsonException)
        {
            return (body.Length is > 0 and < 1000 ? System.Text.Encoding.UTF8.GetString(body) : null, null);
        }
    }

    /// <summary>Passes a successful body through; keeps an error body (status ≥ 400 at the first write) for rewriting.</summary>
    private sealed class ErrorCapturingStream(Stream inner, HttpResponse response) : Stream
    {
        private bool? _capturing;

        public MemoryStream? Captured { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
            if (!Capturing())
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            Capturing() ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Capturing())
            {
                Keep(buffer);
            }
            else
            {
                inner.Write(buffer);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Capturing())
            {
                Keep(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        private bool Capturing()
        {
            _capturing ??= response.StatusCode >= 400;
            if (_capturing.Value)
            {
                Captured ??= new MemoryStream();
            }

            return _capturing.Value;
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (Captured!.Length + bytes.Length <= MaxErrorBody)
            {
                Captured.Write(bytes);
            }
        }
    }
}
