using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Remote.Commands;

namespace Vault.Grains.Failover.Rejoin;

/// <summary>
/// Runs a rejoin command for a node: over SSH on its RemoteHost (Vault.Remote: pinned host key, timeout that ends
/// the remote process), or with /bin/sh on this silo's machine when the node has no RemoteHost. A command that
/// fails, times out or cannot reach its host throws <see cref="FailoverStepException"/> naming host, command and cause.
/// </summary>
public sealed class NodeShell(IServiceProvider services)
{
    public async Task<string> RunAsync(FailoverNodeSpec node, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(node.RemoteHost))
        {
            return await RunLocallyAsync(command, timeout, cancellationToken);
        }

        var shell = services.GetService<IRemoteShell>()
            ?? throw new FailoverStepException($"the node's RemoteHost is '{node.RemoteHost}', but this silo has no remote hosts (Vault:Remote:Hosts)");
        RemoteCommandResult result;
        try
        {
            result = await shell.RunAsync(node.RemoteHost, command, new RemoteRunOptions(timeout), cancellationToken);
        }
        catch (VaultException e) when (e is RemoteUnavailableException or RemoteHostKeyException or RemoteAccessException or RemoteHostNotFoundException)
        {
            throw new FailoverStepException($"cannot run '{command}' on {node.RemoteHost}: {e.Message}", e);
        }

        return result.Succeeded
            ? result.Stdout.Trim()
            : throw new FailoverStepException(result.Describe());
    }

    private static async Task<string> RunLocallyAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start) ?? throw new FailoverStepException($"'{command}' did not start on this machine");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                $"'{command}' on this machine did not finish within {timeout.TotalSeconds:0.#} s and was ended"));
        }

        if (process.ExitCode != 0)
        {
            var tail = (await stderr).Trim();
            throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                $"'{command}' on this machine exited with {process.ExitCode}{(tail.Length == 0 ? "" : ": " + (tail.Length > 300 ? "…" + tail[^300..] : tail))}"));
        }

        return (await stdout).Trim();
    }
}
