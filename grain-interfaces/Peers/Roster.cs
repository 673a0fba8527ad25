namespace Vault.Peers;

/// <summary>What the cluster intends for a node (persisted); whether it is up comes from the live membership.</summary>
public enum NodeMembership
{
    /// <summary>Holds packs and takes new ones.</summary>
    Active = 0,

    /// <summary>Being drained: takes no new packs; its packs are copied to their owners, then it is gone.</summary>
    Decommissioning = 1,

    /// <summary>Drained and removed from placement. Starting the node again makes it active again.</summary>
    Decommissioned = 2,
}

[GenerateSerializer, Immutable, Alias("vault.roster-entry")]
public sealed record RosterEntry(
    string Node,
    NodeMembership Membership,
    /// <summary>An active member of the Orleans cluster right now.</summary>
    bool Up,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen);

/// <summary>
/// The roster of nodes (key: <see cref="DefaultKey"/>): every node seen, and what the cluster
/// intends for it. Pack placement is computed over its active nodes.
/// </summary>
public interface IRosterGrain : IGrainWithStringKey
{
    public const string DefaultKey = "cluster";

    /// <summary>Records a node that started; a decommissioned node that comes back becomes active again.</summary>
    Task JoinAsync(string node);

    Task<IReadOnlyList<RosterEntry>> GetAsync();

    /// <summary>Starts draining a node. Refused for an unknown node, or when fewer than <paramref name="replicas"/> active nodes would remain.</summary>
    Task<RosterEntry> StartDecommissionAsync(string node, int replicas);

    /// <summary>Marks a drained node gone (called by the node itself once it holds no packs).</summary>
    Task CompleteDecommissionAsync(string node);
}
