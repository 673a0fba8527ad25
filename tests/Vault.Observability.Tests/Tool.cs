using System.Diagnostics;

namespace Vault.Observability.Tests;

/// <summary>Runs an external tool (promtool, chromium, mount) with a deadline.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed);

    /// <summary>The absolute path of <paramref name="name"/> on PATH; fails (never skips) when it is missing.</summary>
    public static string Require(string name, string howToInstall)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/local/bin").Append("/usr/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"{name} is not installed; {howToInstall}");
        return "";
    }

    public static string Promtool => Require("promtool", "run infra/scripts/install-promtool.sh (./test.sh does)");

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
        }

        p.StandardInput.Close();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {limit}");
        }

        return new Result(p.ExitCode, await output, await error, clock.Elapsed);
    }
}
