// The seam between a failover and the load balancer in front of the service. One implementation per
// kind (TrafficKind): HAProxy (runtime API or stats page), Nginx open source (upstream file over SSH),
// Nginx Plus (REST API). Every action is idempotent and verified before it returns: it reads the state
// back and throws FailoverStepException, with the load balancer's own message, when it did not take.
using Vault.Failover;

namespace Vault.Grains.Failover.Traffic;

public interface ITrafficProvider
{
    /// <summary>Checks that the load balancer answers and knows a server for every node; returns what it saw. Runs before a failover acts.</summary>
    Task<string> PreflightAsync(IReadOnlyList<FailoverNodeSpec> nodes, CancellationToken cancellationToken);

    /// <summary>Puts the node's server in service (ready / not down).</summary>
    Task<string> EnableAsync(FailoverNodeSpec node, CancellationToken cancellationToken);

    /// <summary>Takes the node's server out of service at once (maint / down): no new and, where the balancer can, no current sessions.</summary>
    Task<string> DisableAsync(FailoverNodeSpec node, CancellationToken cancellationToken);

    /// <summary>Sends no new sessions to the node's server and waits (bounded by Traffic:DrainTimeout) until its current sessions reach zero.</summary>
    Task<string> DrainAsync(FailoverNodeSpec node, CancellationToken cancellationToken);

    Task<TrafficServerState> GetStateAsync(FailoverNodeSpec node, CancellationToken cancellationToken);
}
