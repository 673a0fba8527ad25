using System.Collections.Concurrent;

namespace Vault.Grains.Replication;

/// <summary>
/// Nodes that did not answer a pack store in time. A silo killed without warning stays a cluster member
/// until membership declares it dead, and calls to it get no answer at all until their response timeout;
/// for <see cref="ReplicationSettings.UnresponsiveFor"/> after such a silence the node is tried last, so
/// the packs that follow go straight to the next node in rendezvous order (sloppy quorum) instead of each
/// waiting out the same silence.
/// </summary>
public sealed class UnresponsiveNodes(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new(StringComparer.Ordinal);

    public void Mark(string node, TimeSpan duration) => _until[node] = time.GetUtcNow() + duration;

    /// <summary>Forgets a node once it answers again.</summary>
    public void Answered(string node) => _until.TryRemove(node, out _);

    public bool IsUnresponsive(string node)
    {
        if (!_until.TryGetValue(node, out var until))
        {
            return false;
        }

        if (until > time.GetUtcNow())
        {
            return true;
        }

        _until.TryRemove(new KeyValuePair<string, DateTimeOffset>(node, until));
        return false;
    }

    /// <summary>The same nodes, those that answer first (each group in the order given).</summary>
    public List<string> AnsweringFirst(IEnumerable<string> nodes)
    {
        var list = nodes.ToList();
        return [.. list.Where(n => !IsUnresponsive(n)), .. list.Where(IsUnresponsive)];
    }
}
