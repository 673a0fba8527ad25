using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Vault.Observability.Tests;

/// <summary>
/// The real silo (silo/bin/&lt;Configuration&gt;/net10.0/vault-silo.dll, the configuration of this
/// test assembly) as a child process, with its own data directory and free ports below 32768.
/// Its standard output and error are kept for assertions.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string Password = "correct horse battery staple 7c1e";
    private static readonly object PortLock = new();
    private static int _nextPort = 20000 + (Environment.ProcessId % 400) * 25;
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private SiloProcess(string root, string nodeId, int httpPort, Process process)
    {
        Root = root;
        NodeId = nodeId;
        HttpPort = httpPort;
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A temp directory of this silo: data/ is its data directory; tests put source trees beside it.</summary>
    public string Root { get; }

    public string DataDir => Path.Combine(Root, "data");

    public string NodeId { get; }

    public int HttpPort { get; }

    public int SiloPort => HttpPort + 2;

    public HttpClient Http { get; }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException($"no Vault.sln above {AppContext.BaseDirectory}");
        }
    }

    public static Task<SiloProcess> StartAsync(string nodeId, params string[] extraArgs) => StartAsync(nodeId, HttpStatusCode.OK, null, extraArgs);

    public static Task<SiloProcess> StartAsync(string nodeId, HttpStatusCode readiness, params string[] extraArgs) => StartAsync(nodeId, readiness, null, extraArgs);

    /// <summary>Starts a silo and waits until /health/ready answers <paramref name="readiness"/>.</summary>
    public static async Task<SiloProcess> StartAsync(string nodeId, HttpStatusCode readiness, IReadOnlyDictionary<string, string>? environment, params string[] extraArgs)
    {
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(RepositoryRoot, "silo", "bin", configuration, "net10.0", "vault-silo.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build Vault.sln -c {configuration} first");
        }

        var root = Directory.CreateTempSubdirectory("vault-obs-").FullName;
        var port = FreePorts(4);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var a in new[] { dll, "--data-dir", Path.Combine(root, "data"), "--node-id", nodeId, "--http-port", $"{port}", "--grpc-port", $"{port + 1}",
                     "--silo-port", $"{port + 2}", "--gateway-port", $"{port + 3}", "--workers", "2" }.Concat(extraArgs))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["VAULT_PASSWORD"] = Password;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        var silo = new SiloProcess(root, nodeId, port, process);
        process.OutputDataReceived += (_, e) => Append(silo._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(silo._stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo.WaitReadinessAsync(readiness, TimeSpan.FromSeconds(60));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    /// <summary>Waits until /health/ready answers <paramref name="expected"/>; returns the last body.</summary>
    public async Task<string> WaitReadinessAsync(HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo exited with {_process.ExitCode} while waiting for /health/ready {(int)expected}:\n{StandardError}\n{StandardOutput}");
            }

            try
            {
                using var response = await Http.GetAsync("/health/ready");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == expected)
                {
                    return last;
                }
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"/health/ready of {NodeId} did not answer {(int)expected} within {timeout}; last: {last}");
    }

    public Task WaitReadyAsync(TimeSpan timeout) => WaitReadinessAsync(HttpStatusCode.OK, timeout);

    /// <summary>Starts a job through REST and polls it until it is no longer running; returns the final job JSON.</summary>
    public async Task<JsonElement> RunJobAsync(string route, object body, TimeSpan timeout)
    {
        using var start = await Http.PostAsJsonAsync(route, body);
        var text = await start.Content.ReadAsStringAsync();
        Assert.True(start.IsSuccessStatusCode, $"POST {route} answered {(int)start.StatusCode}: {text}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString();
        var deadline = DateTime.UtcNow + timeout;
        JsonElement job = default;
        while (DateTime.UtcNow < deadline)
        {
            job = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/jobs/{id}")).RootElement;
            if (job.GetProperty("state").GetString() != "JOB_STATE_RUNNING")
            {
                return job;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"job {id} ({route}) still running after {timeout}: {job}");
    }

    /// <summary>Stops the silo (SIGTERM, then kill after 10 s) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await term!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        // Let the asynchronous output readers drain.
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A mount left behind by a failed test keeps its directory: leave it for inspection.
        }
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    /// <summary><paramref name="count"/> consecutive ports below 32768 that accept a listener now.</summary>
    private static int FreePorts(int count)
    {
        lock (PortLock)
        {
            for (var attempt = 0; attempt < 400; attempt++)
            {
                var first = _nextPort;
                _nextPort += count + 1;
                if (_nextPort > 32000)
                {
                    _nextPort = 20000;
                }

                if (Enumerable.Range(first, count).All(Free))
                {
                    return first;
                }
            }

            throw new InvalidOperationException("no free ports between 20000 and 32000");
        }

        static bool Free(int port)
        {
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }
}
