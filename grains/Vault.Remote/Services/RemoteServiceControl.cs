using System.Diagnostics;
using System.Text.RegularExpressions;
using Vault.Remote.Commands;
using Vault.Remote.Hosts;

namespace Vault.Remote.Services;

public sealed partial class RemoteServiceControl(RemoteHosts hosts, IRemoteShell shell) : IRemoteServices
{
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(30);

    public async Task<ServiceActionResult> ControlAsync(string host, string service, ServiceAction action, CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        CheckName(target, service);
        if (action == ServiceAction.Status)
        {
            return new ServiceActionResult(action, await StatusAsync(host, service, cancellationToken), null);
        }

        var command = ActionCommand(target, service, action);
        var result = await shell.RunAsync(host, command, new RemoteRunOptions(target.ServiceSettleTimeout), cancellationToken);
        if (!result.Succeeded)
        {
            throw new RemoteServiceException($"{Verb(action)} {service} on remote host '{host}' failed: {result.Describe()}");
        }

        var settled = Stopwatch.StartNew();
        ServiceStatus status;
        while (true)
        {
            status = await StatusAsync(host, service, cancellationToken);
            if (action == ServiceAction.Stop ? status.IsStopped : status.IsActive)
            {
                return new ServiceActionResult(action, status, result);
            }

            if (settled.Elapsed > target.ServiceSettleTimeout || status.ActiveState == "failed" && action != ServiceAction.Stop)
            {
                throw new RemoteServiceException(
                    $"{Verb(action)} {service} on remote host '{host}' ran, but the service is {status.ActiveState} ({status.SubState}) after {settled.Elapsed.TotalSeconds:0.#} s; expected {(action == ServiceAction.Stop ? "inactive" : "active")}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    public async Task<ServiceStatus> StatusAsync(string host, string service, CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        CheckName(target, service);
        if (target.ServiceStatusCommand is { } template)
        {
            var lsb = await shell.RunAsync(host, template.Replace("{service}", service, StringComparison.Ordinal), new RemoteRunOptions(StatusTimeout), cancellationToken);
            return SystemdStatusParser.FromLsbExitCode(host, service, lsb.TimedOut ? null : lsb.ExitCode);
        }

        var show = await shell.RunAsync(host, $"systemctl show --property={SystemdStatusParser.ShowProperties} -- {service}", new RemoteRunOptions(StatusTimeout), cancellationToken);
        if (!show.Succeeded)
        {
            throw new RemoteServiceException($"status of {service} on remote host '{host}' could not be read: {show.Describe()}");
        }

        return SystemdStatusParser.ParseShow(host, service, show.Stdout);
    }

    /// <summary>The command an action runs on the host.</summary>
    public static string ActionCommand(RemoteHostOptions host, string service, ServiceAction action)
    {
        var verb = action.ToString().ToLowerInvariant();
        return host.ServiceCommand is { } template
            ? template.Replace("{service}", service, StringComparison.Ordinal).Replace("{action}", verb, StringComparison.Ordinal)
            : $"systemctl {verb} -- {service}";
    }

    private static void CheckName(RemoteHostOptions host, string service)
    {
        if (!ServiceName().IsMatch(service))
        {
            throw new InvalidRequestException(
                $"service name '{service}' for remote host '{host.Name}' is not allowed: letters, digits and '@', '.', '_', ':', '-' only, starting with a letter or digit");
        }
    }

    private static string Verb(ServiceAction action) => action.ToString().ToLowerInvariant();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9@._:-]{0,127}$")]
    private static partial Regex ServiceName();
}
