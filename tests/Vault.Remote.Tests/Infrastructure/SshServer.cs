using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vault.Remote;
using Vault.Remote.Hosts;

namespace Vault.Remote.Tests.Infrastructure;

/// <summary>
/// A real sshd on 127.0.0.1 under a fresh run directory, started by infra/scripts/sshd.sh (see it for the
/// layout). A server that cannot start fails the test with the script's message; nothing is skipped.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private SshServer(string runDir, int port)
    {
        RunDir = runDir;
        Port = port;
    }

    public string RunDir { get; }

    public int Port { get; }

    public string User => File.ReadAllText(Path.Combine(RunDir, "client", "user")).Trim();

    public string ClientKey => Path.Combine(RunDir, "client", "id_ed25519");

    public string WrongKey => Path.Combine(RunDir, "client", "wrong_ed25519");

    public string KnownHosts => Path.Combine(RunDir, "client", "known_hosts");

    public string HostPublicKey => Path.Combine(RunDir, "sshd", "ssh_host_ed25519_key.pub");

    /// <summary>A directory on the "remote" host that the test user owns.</summary>
    public string Files => Path.Combine(RunDir, "files");

    public static async Task<SshServer> StartAsync()
    {
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(Path.GetTempPath(), "vault-remote", $"run-{port}-{Guid.NewGuid():N}"[..20]);
            Directory.CreateDirectory(dir);
            var server = new SshServer(dir, port);
            try
            {
                await RunScriptAsync(TimeSpan.FromSeconds(60), ["start", dir, port.ToString(CultureInfo.InvariantCulture)]);
                return server;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                last = e;
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        throw new InvalidOperationException("no free port for sshd after 5 attempts", last);
    }

    public Task StopAsync() => RunScriptAsync(TimeSpan.FromSeconds(30), ["stop", RunDir]);

    /// <summary>Gives the server a new host key and restarts it.</summary>
    public Task RekeyAsync() => RunScriptAsync(TimeSpan.FromSeconds(30), ["rekey", RunDir]);

    /// <summary>The host key's fingerprint as `ssh-keygen -l` prints it (the second field).</summary>
    public async Task<string> HostFingerprintAsync() => (await RunAsync("ssh-keygen", "-l", "-f", HostPublicKey)).Split(' ')[1];

    public RemoteHostOptions Host(string name = "h1", Action<RemoteHostOptions>? configure = null)
    {
        var host = new RemoteHostOptions
        {
            Name = name,
            Address = "127.0.0.1",
            Port = Port,
            User = User,
            PrivateKeyFile = ClientKey,
            KnownHostsFile = KnownHosts,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(60),
        };
        configure?.Invoke(host);
        return host;
    }

    /// <summary>The remote seams for these hosts, wired as the node wires them.</summary>
    public static ServiceProvider Services(params RemoteHostOptions[] hosts)
    {
        var options = RemoteOptions.Of(hosts);
        var problems = options.Validate().ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddVaultRemote(options).BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
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

    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        return process.ExitCode == 0
            ? (await stdout).Trim()
            : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}");
    }

    /// <summary>A port below the ephemeral range that nothing listens on right now (sshd.sh fails clearly if it is taken meanwhile).</summary>
    private static int FreePort()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = Random.Shared.Next(8000, 11900);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port in 8000-11900");
    }

    private static async Task RunScriptAsync(TimeSpan timeout, IReadOnlyList<string> args)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "sshd.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
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
            throw new TimeoutException($"sshd.sh {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"sshd.sh {string.Join(' ', args)} failed (exit {process.ExitCode}): {await stderr}{await stdout} (see {args[1]}/sshd/sshd.log)");
        }
    }
}
