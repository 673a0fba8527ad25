namespace Vault.Remote.Services;

/// <summary>
/// Starts, stops, restarts, reloads or queries a service on a remote host: systemctl, or the host's
/// ServiceCommand/ServiceStatusCommand templates on hosts without systemd. An action is verified: it returns
/// once the service reached the state the action promises (active after start, restart and reload; inactive or
/// failed after stop) and throws <see cref="RemoteServiceException"/> when the command fails or the state is not
/// reached within the host's ServiceSettleTimeout.
/// </summary>
public interface IRemoteServices
{
    Task<ServiceActionResult> ControlAsync(string host, string service, ServiceAction action, CancellationToken cancellationToken = default);

    Task<ServiceStatus> StatusAsync(string host, string service, CancellationToken cancellationToken = default);
}
