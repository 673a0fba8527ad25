using System.Diagnostics;

namespace Vault.Grains.Tests;

/// <summary>Runs a command-line tool (mkfifo, ln) and fails with its output when it fails.</summary>
public static class Tool
{
    public static void Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
    }
}
