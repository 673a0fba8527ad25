namespace Vault.Grains.Failover.Traffic;

/// <summary>A node's server as the load balancer reports it.</summary>
/// <param name="Server">The balancer's name for it (HAProxy backend/server, Nginx upstream address).</param>
/// <param name="Status">The balancer's own word: UP, DOWN, MAINT, DRAIN, up, down, draining, unhealthy...</param>
/// <param name="InService">Receives new sessions.</param>
/// <param name="Sessions">Current sessions, when the balancer counts them.</param>
/// <param name="Weight">Current weight, when the balancer has weights.</param>
public sealed record TrafficServerState(string Server, string Status, bool InService, long? Sessions, int? Weight)
{
    public override string ToString() =>
        $"{Server} {Status}{(Sessions is { } s ? $", {s} session(s)" : "")}{(Weight is { } w ? $", weight {w}" : "")}";
}
