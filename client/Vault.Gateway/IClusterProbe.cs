namespace Vault.Gateway;

/// <summary>How a gateway that is only a client of the cluster learns whether the cluster answers.</summary>
public interface IClusterProbe
{
    /// <summary>The number of active silos, asked of the cluster itself; throws when it does not answer.</summary>
    Task<int> CountActiveSilosAsync(CancellationToken cancellationToken);
}
