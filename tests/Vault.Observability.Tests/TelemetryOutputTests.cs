using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vault.Storage;

namespace Vault.Observability.Tests;

/// <summary>What a node writes out: JSON log lines without secrets, and OTLP traces.</summary>
public sealed class TelemetryOutputTests
{
    [Fact]
    public async Task JsonLogsAndTraces_BackupRestoreAndFailure_OneObjectPerLineNoSecretsSpansExported()
    {
        using var otlp = new OtlpSink();
        SiloProcess silo;
        string snapshot;
        // Everything at Debug (Vault at Trace): the more that is logged, the more a leak would show.
        var levels = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Vault"] = "Trace",
            ["Logging__LogLevel__Orleans"] = "Debug",
            ["Logging__LogLevel__Orleans.Runtime.Silo"] = "Debug",
            ["Logging__LogLevel__Microsoft.Orleans"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Debug",
            ["Logging__LogLevel__Polly"] = "Debug",
        };
        await using (silo = await SiloProcess.StartAsync("obs-logs", HttpStatusCode.OK, levels,
            "--Vault:Logging:Format=json", $"--Vault:Telemetry:OtlpEndpoint=http://127.0.0.1:{otlp.Port}"))
        {
            var source = Path.Combine(silo.Root, "src");
            Directory.CreateDirectory(source);
            await File.WriteAllTextAsync(Path.Combine(source, "f.txt"), "logs");
            var backup = await silo.RunJobAsync("/api/v1/backup", new { paths = new[] { source } }, TimeSpan.FromSeconds(60));
            Assert.Equal("JOB_STATE_SUCCEEDED", backup.GetProperty("state").GetString());
            snapshot = backup.GetProperty("snapshot").GetString()!;
            var restore = await silo.RunJobAsync("/api/v1/restore", new { snapshot, target = Path.Combine(silo.Root, "restored") }, TimeSpan.FromSeconds(60));
            Assert.Equal("JOB_STATE_SUCCEEDED", restore.GetProperty("state").GetString());
            var failed = await silo.RunJobAsync("/api/v1/restore", new { snapshot, target = Path.Combine(silo.Root, "src", "f.txt") }, TimeSpan.FromSeconds(60));
            Assert.Equal("JOB_STATE_FAILED", failed.GetProperty("state").GetString());

            // Spans leave in batches (every 5 s); wait for the job and pack spans.
            await otlp.WaitForAsync(["vault.backup", "vault.restore", "vault.pack.store"], TimeSpan.FromSeconds(30));

            var masterKey = KeyFiles.Unwrap(await File.ReadAllBytesAsync(Path.Combine(silo.DataDir, "repo", "keys", "master.json")), SiloProcess.Password);
            await silo.StopAsync();

            var lines = silo.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length > 20, $"only {lines.Length} log lines: the capture is not working");
            foreach (var line in lines)
            {
                using var doc = ParseLine(line);
                Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
                Assert.True(doc.RootElement.TryGetProperty("LogLevel", out _), $"not a log object: {line}");
            }

            var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 1001 && e.GetProperty("Message").GetString()!.Contains(snapshot, StringComparison.Ordinal));
            Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 1201 && e.GetProperty("LogLevel").GetString() == "Error");

            var everything = silo.StandardOutput + silo.StandardError;
            var secrets = new Dictionary<string, string>
            {
                ["password"] = SiloProcess.Password,
                ["master key hex"] = Convert.ToHexString(masterKey),
                ["master key base64"] = Convert.ToBase64String(masterKey),
                ["master key base64url"] = Convert.ToBase64String(masterKey).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            };
            foreach (var (what, secret) in secrets)
            {
                Assert.False(everything.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the {what} appears in the node's output");
            }

            Assert.False(otlp.Received.Contains(SiloProcess.Password, StringComparison.Ordinal), "the password appears in exported spans");
        }
    }

    private static JsonDocument ParseLine(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"log line is not one JSON object ({e.Message}): {line}");
        }
    }

    /// <summary>An OTLP/HTTP receiver that keeps the raw protobuf bodies (span names are plain strings in them).</summary>
    private sealed class OtlpSink : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly StringBuilder _received = new();
        private readonly Task _loop;

        public OtlpSink()
        {
            for (var port = 24000 + Environment.ProcessId % 3000; ; port++)
            {
                try
                {
                    using (var probe = new TcpListener(IPAddress.Loopback, port))
                    {
                        probe.Start();
                    }

                    _listener.Prefixes.Clear();
                    _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                    _listener.Start();
                    Port = port;
                    break;
                }
                catch (Exception e) when (e is SocketException or HttpListenerException)
                {
                }
            }

            _loop = Task.Run(LoopAsync);
        }

        public int Port { get; }

        public string Received
        {
            get
            {
                lock (_received)
                {
                    return _received.ToString();
                }
            }
        }

        public async Task WaitForAsync(string[] names, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (names.All(n => Received.Contains(n, StringComparison.Ordinal)))
                {
                    return;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"OTLP sink did not receive spans {string.Join(", ", names.Where(n => !Received.Contains(n, StringComparison.Ordinal)))} within {timeout}");
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
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
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    lock (_received)
                    {
                        _received.Append(Encoding.Latin1.GetString(body.ToArray()));
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
