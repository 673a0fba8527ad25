using Orleans;
using Orleans.Runtime;

namespace Vault.Gateway;

/// <summary>Asks the cluster's management grain for its active silos: an answer needs a reachable, working silo.</summary>
public sealed class ManagementClusterProbe(IGrainFactory grains) : IClusterProbe
{
    public async Task<int> CountActiveSilosAsync(CancellationToken cancellationToken)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return hosts.Count;
    }
}
