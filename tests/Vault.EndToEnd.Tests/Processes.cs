using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Vault.EndToEnd.Tests;

/// <summary>Where the built silo and CLI are: next to this test assembly's build, same configuration.</summary>
public static class Binaries
{
    private static readonly Lazy<string> RepoRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vault.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no Vault.sln above {AppContext.BaseDirectory}");
    });

    public static string Configuration =>
        typeof(Binaries).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Silo => Find(Path.Combine(RepoRoot.Value, "silo", "bin", Configuration, "net10.0", "vault-silo.dll"));

    public static string Cli => Find(Path.Combine(RepoRoot.Value, "client", "Vault.Cli", "bin", Configuration, "net10.0", "vault.dll"));

    private static string Find(string path) => File.Exists(path) ? path : throw new FileNotFoundException($"build the solution first: {path} is missing");
}

public static class Ports
{
    private static int _next = 20000 + (Environment.ProcessId % 50) * 200;

    /// <summary>A free TCP port below the kernel's ephemeral range (32768+), so no outgoing connection can hold it.</summary>
    public static int Free()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref _next);
            if (port > 32000)
            {
                Interlocked.Exchange(ref _next, 20000);
                continue;
            }

            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}

public sealed record RunResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

public static class Run
{
    /// <summary>Runs a process to completion (bounded by <paramref name="timeout"/>), capturing its output.</summary>
    public static async Task<RunResult> ProcessAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null, string? cwd = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (cwd is not null)
        {
            psi.WorkingDirectory = cwd;
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time; output so far: {await stdout}");
        }

        return new RunResult(p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A real silo process on its own data directory and ports.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public SiloProcess(string dataDir, string password = "correct horse battery staple", string? runAsUser = null)
    {
        DataDir = dataDir;
        Password = password;
        RunAsUser = runAsUser;
        HttpPort = Ports.Free();
        GrpcPort = Ports.Free();
        SiloPort = Ports.Free();
        GatewayPort = Ports.Free();
    }

    public string DataDir { get; }

    public string Password { get; set; }

    public string? RunAsUser { get; }

    public string SiloBinary { get; set; } = Binaries.Silo;

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Gateway => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>Extra environment variables of the silo (VAULT_ADMIN_TOKEN...).</summary>
    public Dictionary<string, string> ExtraEnvironment { get; } = [];


    public int? ProcessId => _process?.Id;

    public string Http => $"http://127.0.0.1:{HttpPort}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Arguments added to every start (the cluster database, --auth required...); later ones win.</summary>
    public List<string> ExtraArguments { get; set; } = [];

    public IReadOnlyList<string> Arguments(params string[] extra) =>
    [
        SiloBinary, "--data-dir", DataDir, "--http-port", HttpPort.ToString(), "--grpc-port", GrpcPort.ToString(),
        "--silo-port", SiloPort.ToString(), "--gateway-port", GatewayPort.ToString(), "--node-id", "e2e", .. ExtraArguments, .. extra,
    ];

    public Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>
        {
            ["VAULT_PASSWORD"] = Password,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["HOME"] = DataDir,
        };
        foreach (var (k, v) in ExtraEnvironment)
        {
            env[k] = v;
        }

        return env;
    }

    /// <summary>How long <see cref="StartAsync"/> waits for /health/ready.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public async Task StartAsync()
    {
        var (file, args) = Command(Arguments());
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in Environment())
        {
            psi.Environment[k] = v;
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync(ReadyTimeout);
    }

    /// <summary>Runs the silo binary to completion with extra arguments (for start-up failures).</summary>
    public Task<RunResult> RunToExitAsync(params string[] extra)
    {
        var (file, args) = Command(Arguments(extra));
        return Run.ProcessAsync(file, args, Environment(), TimeSpan.FromSeconds(60));
    }

    public void Kill()
    {
        _process?.Kill(entireProcessTree: true);
        _process?.WaitForExit();
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private (string File, IReadOnlyList<string> Args) Command(IReadOnlyList<string> args) =>
        RunAsUser is null
            ? ("dotnet", args)
            : ("setpriv", ["--reuid=" + RunAsUser, "--regid=" + RunAsUser, "--clear-groups", "--", "dotnet", .. args]);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with code {_process.ExitCode} before it was ready:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync($"{Http}/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the silo did not report ready at {Http}/health/ready within {timeout.TotalSeconds} s:\n{Log}");
    }
}

/// <summary>A test class with its own temporary directory, removed afterwards.</summary>
public abstract class TempRootTests : IAsyncLifetime
{
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), "vault-e2e", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }
}
