namespace Vault.Remote.Services;

/// <summary>
/// A service's state on a host, in systemd's words: ActiveState (active, inactive, failed, activating,
/// deactivating, reloading, unknown), SubState (running, dead, exited...), LoadState (loaded, not-found...).
/// Hosts without systemd report active/inactive/unknown from their status command's exit code.
/// </summary>
public sealed record ServiceStatus(string Host, string Service, string ActiveState, string SubState, string LoadState, int? MainPid)
{
    public bool IsActive => ActiveState == "active";

    /// <summary>Stopped for good: inactive or failed (not on its way up or down).</summary>
    public bool IsStopped => ActiveState is "inactive" or "failed";

    public override string ToString() =>
        $"{Service} on {Host}: {ActiveState} ({SubState}{(MainPid is { } pid and > 0 ? $", pid {pid}" : "")})";
}
