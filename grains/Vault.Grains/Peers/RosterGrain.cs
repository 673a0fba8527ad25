using Vault.Peers;

namespace Vault.Grains.Peers;

[GenerateSerializer, Alias("vault.roster-state")]
public sealed class RosterState
{
    [Id(0)] public Dictionary<string, RosterNodeState> Nodes { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("vault.roster-node")]
public sealed class RosterNodeState
{
    [Id(0)] public NodeMembership Membership { get; set; }

    [Id(1)] public DateTimeOffset FirstSeen { get; set; }

    [Id(2)] public DateTimeOffset LastSeen { get; set; }
}

/// <summary>The persisted roster; up or down is read from the live Orleans membership on every call.</summary>
public sealed class RosterGrain(
    [PersistentState("roster", VaultStorage.State)] IPersistentState<RosterState> state,
    IClusterMembershipService membership) : Grain, IRosterGrain
{
    public async Task JoinAsync(string node)
    {
        var now = DateTimeOffset.UtcNow;
        if (!state.State.Nodes.TryGetValue(node, out var entry))
        {
            state.State.Nodes[node] = new RosterNodeState { Membership = NodeMembership.Active, FirstSeen = now, LastSeen = now };
        }
        else
        {
            entry.LastSeen = now;
            if (entry.Membership == NodeMembership.Decommissioned)
            {
                entry.Membership = NodeMembership.Active;
            }
        }

        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<RosterEntry>> GetAsync() => Task.FromResult(Entries());

    public async Task<RosterEntry> StartDecommissionAsync(string node, int replicas)
    {
        if (!state.State.Nodes.TryGetValue(node, out var entry) || entry.Membership == NodeMembership.Decommissioned)
        {
            throw new NotFoundException($"node '{node}' is not in the roster");
        }

        if (entry.Membership == NodeMembership.Active)
        {
            var remaining = state.State.Nodes.Count(n => n.Key != node && n.Value.Membership == NodeMembership.Active);
            if (remaining < replicas)
            {
                throw new InvalidRequestException(
                    $"decommissioning '{node}' would leave {remaining} active node(s), fewer than the {replicas} replicas each pack needs");
            }

            entry.Membership = NodeMembership.Decommissioning;
            await state.WriteStateAsync();
        }

        return Entries().First(e => e.Node == node);
    }

    public async Task CompleteDecommissionAsync(string node)
    {
        if (state.State.Nodes.TryGetValue(node, out var entry) && entry.Membership == NodeMembership.Decommissioning)
        {
            entry.Membership = NodeMembership.Decommissioned;
            await state.WriteStateAsync();
        }
    }

    private IReadOnlyList<RosterEntry> Entries()
    {
        var up = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.Name)
            .ToHashSet(StringComparer.Ordinal);
        return state.State.Nodes
            .OrderBy(n => n.Key, StringComparer.Ordinal)
            .Select(n => new RosterEntry(n.Key, n.Value.Membership, up.Contains(n.Key), n.Value.FirstSeen, n.Value.LastSeen))
            .ToList();
    }
}
