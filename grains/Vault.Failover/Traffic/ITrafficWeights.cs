namespace Vault.Grains.Failover.Traffic;

/// <summary>
/// Sets the share of traffic a named target receives (a load balancer's server weight; later a weighted
/// DNS record). The blue-green step mover works through this alone, so any weight carrier plugs in.
/// </summary>
public interface ITrafficWeights
{
    /// <summary>Sets the weight of one target (0–100 in Vault's scale; the carrier maps it onto its own) and verifies it took.</summary>
    Task SetWeightAsync(string target, int weight, CancellationToken cancellationToken);

    /// <summary>The target's current weight on Vault's 0–100 scale.</summary>
    Task<int> GetWeightAsync(string target, CancellationToken cancellationToken);
}
