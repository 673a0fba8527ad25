extern alias gateway;

using gateway::Vault.Gateway;

namespace Vault.Surface.Tests;

/// <summary>The cluster as the standalone gateway's readiness sees it: up with one silo, or not answering.</summary>
public sealed class FakeClusterProbe : IClusterProbe
{
    public volatile bool Down;

    public Task<int> CountActiveSilosAsync(CancellationToken cancellationToken) =>
        Down ? Task.FromException<int>(new TimeoutException("no gateway of the cluster answers")) : Task.FromResult(1);
}
