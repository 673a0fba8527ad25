using System.Diagnostics;
using System.Globalization;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>
/// Real servers on 127.0.0.1 under a fresh run directory, started by infra/scripts/servers.sh (see it for
/// the port layout). A server that cannot start fails the test with the script's message; nothing is skipped.
/// </summary>
public sealed class LocalServers : IAsyncDisposable
{
    public const int Pg1 = 0, Pg2 = 1, My1 = 2, My2 = 3, Rd1 = 4, Rd2 = 5, Rd3 = 6, HaproxyAdmin = 7, HaproxyPg = 8, HaproxyMy = 9, HaproxyRedis = 10, Bind1 = 11, Bind2 = 12, Webhook = 15, HaproxyStats = 16, NginxPg = 17;

    private static int _next;

    private LocalServers(string runDir, int portBase)
    {
        RunDir = runDir;
        Base = portBase;
    }

    public string RunDir { get; }

    public int Base { get; }

    public string PasswordFile => Path.Combine(RunDir, "password");

    public string Password => File.ReadAllText(PasswordFile).Trim();

    public string TsigSecretFile => Path.Combine(RunDir, "bind", "tsig.secret");

    public int Port(int offset) => Base + offset;

    /// <summary>A port base no other test of this run uses, below the ephemeral range.</summary>
    public static int NextBase() => 12000 + (Environment.ProcessId % 40 * 480) + (Interlocked.Increment(ref _next) % 19 * 25);

    public static async Task<LocalServers> StartAsync(int portBase, params string[] components)
    {
        var dir = Path.Combine(Path.GetTempPath(), "vault-failover", $"run-{portBase}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(dir);
        var servers = new LocalServers(dir, portBase);
        try
        {
            await RunScriptAsync(TimeSpan.FromSeconds(90), ["start", dir, portBase.ToString(CultureInfo.InvariantCulture), .. components]);
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }

        return servers;
    }

    public static Task<LocalServers> StartAsync(params string[] components) => StartAsync(NextBase(), components);

    /// <summary>As <see cref="StartAsync(string[])"/>, with environment variables for servers.sh (NGINX_USER).</summary>
    public static async Task<LocalServers> StartWithAsync(IReadOnlyDictionary<string, string> environment, params string[] components)
    {
        var portBase = NextBase();
        var dir = Path.Combine(Path.GetTempPath(), "vault-failover", $"run-{portBase}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(dir);
        var servers = new LocalServers(dir, portBase);
        try
        {
            await RunScriptAsync(TimeSpan.FromSeconds(90), ["start", dir, portBase.ToString(CultureInfo.InvariantCulture), .. components], environment);
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }

        return servers;
    }

    /// <summary>kill -9 of one server (pg1, my1, rd1...).</summary>
    public Task KillAsync(string name) => RunScriptAsync(TimeSpan.FromSeconds(10), ["kill", RunDir, name]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunScriptAsync(TimeSpan.FromSeconds(30), ["stop", RunDir]);
        }
        finally
        {
            try
            {
                Directory.Delete(RunDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task RunScriptAsync(TimeSpan timeout, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "servers.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.ArgumentList.Add(script);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"servers.sh {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"servers.sh {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
