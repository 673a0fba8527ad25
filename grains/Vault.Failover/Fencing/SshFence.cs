using Microsoft.Extensions.DependencyInjection;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Remote.Commands;
using Vault.Remote.Services;

namespace Vault.Grains.Failover.Fencing;

/// <summary>
/// Fences an old primary on its machine, over SSH (Vault.Remote): stops its database service (verified
/// stopped by the service's status) or runs its fence command (exit 0), then checks that the database
/// no longer answers. A host that does not answer SSH is handled by the service's
/// <see cref="FailoverServiceSpec.FenceUnreachable"/> policy; a refused host key or login, or a fence
/// that runs but does not stop the database, always fails the step.
/// </summary>
public sealed class SshFence(IServiceProvider services)
{
    /// <summary>What was done, or null when the node has no RemoteHost (no fencing over SSH configured).</summary>
    public async Task<string?> FenceAsync(FailoverRun run, FailoverNodeSpec node, ServerEndpoint database, IReplicationEngine engine, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(node.RemoteHost))
        {
            return null;
        }

        var host = node.RemoteHost;
        var shell = services.GetService<IRemoteShell>();
        var control = services.GetService<IRemoteServices>();
        if (shell is null || control is null)
        {
            throw new FailoverStepException($"cannot fence {database}: its RemoteHost is '{host}', but this silo has no remote hosts (Vault:Remote:Hosts)");
        }

        string done;
        try
        {
            if (!string.IsNullOrWhiteSpace(node.FenceService))
            {
                var before = await control.StatusAsync(host, node.FenceService, cancellationToken);
                done = before.IsStopped
                    ? $"{node.FenceService} on {host} was already stopped ({before.ActiveState})"
                    : $"stopped {(await control.ControlAsync(host, node.FenceService, ServiceAction.Stop, cancellationToken)).Status} over SSH";
            }
            else
            {
                var result = await shell.RunAsync(host, node.FenceCommand!, null, cancellationToken);
                done = result.Succeeded
                    ? $"fence command on {host} exited 0 after {result.Duration.TotalSeconds:0.0} s"
                    : throw new FailoverStepException($"cannot fence {database}: {result.Describe()}");
            }
        }
        catch (RemoteUnavailableException e)
        {
            if (run.Spec.FenceUnreachable == FenceUnreachablePolicy.Proceed)
            {
                return $"{host} does not answer SSH ({e.Message}); proceeding unfenced by policy FenceUnreachable=Proceed";
            }

            throw new FailoverStepException(
                $"cannot fence {database}: {host} does not answer SSH ({e.Message}); policy FenceUnreachable=Halt: not promoting while it may still take writes");
        }
        catch (VaultException e) when (e is RemoteServiceException or RemoteHostKeyException or RemoteAccessException or RemoteHostNotFoundException)
        {
            throw new FailoverStepException($"cannot fence {database} over SSH on {host}: {e.Message}", e);
        }

        var seen = await engine.ObserveAsync(database, run.Spec.CheckTimeout, cancellationToken);
        return seen.Reachable
            ? throw new FailoverStepException($"{done}, but {database} still answers as {seen.Role}")
            : $"{done}; {run.OldPrimary} no longer answers";
    }
}
