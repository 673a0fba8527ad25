using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Vault.Grains.Node;
using Vault.Grains.Placement;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Replication;

/// <summary>
/// This silo's view of the cluster for placement: the roster (cached from <see cref="IRosterGrain"/>)
/// and which nodes are up (the Orleans membership). Computes owners and write targets of packs.
/// </summary>
public sealed partial class ClusterView(
    VaultNode node,
    IGrainFactory grains,
    IClusterMembershipService membership,
    ReplicationSettings settings,
    ILogger<ClusterView> logger)
{
    private static readonly TimeSpan RosterMaxAge = TimeSpan.FromSeconds(5);
    private readonly Lock _lock = new();
    private IReadOnlyList<RosterEntry> _roster = [];
    private DateTime _rosterAt = DateTime.MinValue;
    private string _signature = "";
    private DateTime _stableSince = DateTime.UtcNow;

    public ReplicationSettings Settings => settings;

    public string LocalNode => node.NodeId;

    public IReadOnlyList<RosterEntry> Roster
    {
        get
        {
            lock (_lock)
            {
                return _roster;
            }
        }
    }

    /// <summary>Names of the silos that are active members right now.</summary>
    public HashSet<string> UpNodes()
    {
        var up = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in membership.CurrentSnapshot.Members.Values)
        {
            if (m.Status == SiloStatus.Active && m.Name is { Length: > 0 } name)
            {
                up.Add(name);
            }
        }

        return up;
    }

    /// <summary>The nodes packs are placed on: the roster's active nodes, plus up nodes the roster has not seen yet.</summary>
    public List<string> PlacementNodes()
    {
        var roster = Roster;
        if (roster.Count == 0)
        {
            return [.. UpNodes()];
        }

        // An up node the roster does not know yet has just started: it joins as active within a pass.
        var nodes = roster.Where(e => e.Membership == NodeMembership.Active).Select(e => e.Node).ToList();
        nodes.AddRange(UpNodes().Where(n => !roster.Any(e => e.Node == n)));
        return nodes;
    }

    /// <summary>The top R placement nodes for a pack, up or not.</summary>
    public List<string> Owners(PackId pack) =>
        settings.Clustered ? Rendezvous.Rank(pack, PlacementNodes()).Take(settings.Replicas).ToList() : [node.NodeId];

    /// <summary>
    /// Where a pack should be now: the first R placement nodes that are up, in rendezvous order
    /// (an owner that is down is replaced by the next node: sloppy quorum).
    /// </summary>
    public List<string> Targets(PackId pack)
    {
        if (!settings.Clustered)
        {
            return [node.NodeId];
        }

        var up = UpNodes();
        return Rendezvous.Rank(pack, PlacementNodes()).Where(up.Contains).Take(settings.Replicas).ToList();
    }

    /// <summary>Nodes to ask for a pack: placement nodes in rendezvous order, then every other up node.</summary>
    public List<string> ReadOrder(PackId pack)
    {
        var up = UpNodes();
        var ranked = Rendezvous.Rank(pack, PlacementNodes());
        var order = ranked.Where(up.Contains).ToList();
        order.AddRange(up.Where(n => !ranked.Contains(n)).Order(StringComparer.Ordinal));
        order.Remove(node.NodeId);
        return order;
    }

    /// <summary>True once the placement nodes and the up set have not changed for <see cref="ReplicationSettings.DropAfterStable"/>.</summary>
    public bool IsStable
    {
        get
        {
            lock (_lock)
            {
                return DateTime.UtcNow - _stableSince >= settings.DropAfterStable;
            }
        }
    }

    public NodeMembership? LocalMembership => Roster.FirstOrDefault(e => e.Node == node.NodeId)?.Membership;

    /// <summary>Re-reads the roster when the cached copy is older than a few seconds (or always with <paramref name="force"/>).</summary>
    public async Task RefreshAsync(bool force = false)
    {
        if (!settings.Clustered)
        {
            return;
        }

        lock (_lock)
        {
            if (!force && DateTime.UtcNow - _rosterAt < RosterMaxAge)
            {
                return;
            }
        }

        try
        {
            var roster = await grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).GetAsync();
            var up = UpNodes();
            var signature = string.Join(',', roster.Select(e => $"{e.Node}:{e.Membership}:{up.Contains(e.Node)}"));
            lock (_lock)
            {
                _roster = roster;
                _rosterAt = DateTime.UtcNow;
                if (signature != _signature)
                {
                    _signature = signature;
                    _stableSince = DateTime.UtcNow;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRosterUnavailable(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The roster could not be read; placement uses the last known roster: {Reason}")]
    private partial void LogRosterUnavailable(string reason);
}
