using Vault.Peers;

namespace Vault.Grains.Peers;

/// <summary>
/// The failover observer's check, run on this node when a failover controller asks the silos for
/// votes. Provided by the failover project when the silo hosts it; without it this node casts no vote.
/// </summary>
public interface IObserverProbe
{
    Task<ProbeResult> ProbeAsync(string observer, ProbeRequest request);
}
