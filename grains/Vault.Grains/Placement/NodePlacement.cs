// PeerGrain activations live on the silo that advertises the grain's key as its node id
// (the silo name), because a PeerGrain owns that node's disk.
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Vault.Grains.Placement;

[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class NodePlacementStrategy : PlacementStrategy
{
    internal static readonly NodePlacementStrategy Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(NodePlacementStrategy.Instance);

public sealed class NodePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var node = target.GrainIdentity.Key.ToString();
        var compatible = context.GetCompatibleSilos(target);
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && member.Name == node && compatible.Contains(member.SiloAddress))
            {
                return Task.FromResult(member.SiloAddress);
            }
        }

        throw new NotFoundException($"node '{node}' is not an active member of the cluster");
    }
}
