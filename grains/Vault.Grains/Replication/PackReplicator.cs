// Moves whole packs and byte ranges between nodes.
//
// Write: a sealed pack goes to its targets (the first R up nodes in rendezvous order), the local
// disk directly when this node is one of them, other nodes through IPeerGrain.StorePackAsync, which
// checks the hash before writing. A target that fails, or does not answer within StoreTimeout (a silo
// killed without warning answers nothing until membership declares it dead), is replaced by the next
// node in order, and a silent node is tried last for the packs that follow. The
// call returns once the pack is on at least W disks (the write quorum); fewer is an error, so the
// snapshot that needs the pack never commits. Copies that land off their owners are put right by
// the repair loop.
//
// Read: the local disk when it holds the pack, else the nodes in rendezvous order, then any node.
// A whole pack is verified by its hash by the caller (PackView); ranges by GCM tag and chunk id.
using Microsoft.Extensions.Logging;
using Vault.Grains.Node;
using Vault.Grains.Offsite;
using Vault.Offsite;
using Vault.Offsite.Stores;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Replication;

public sealed partial class PackReplicator(VaultNode node, ClusterView view, IGrainFactory grains, OffsiteCopy offsite, OffsiteStores offsiteStores, TimeProvider time, ILogger<PackReplicator> logger)
{
    private readonly UnresponsiveNodes _unresponsive = new(time);

    public bool Clustered => view.Settings.Clustered;

    /// <summary>A pack missing here can be fetched from elsewhere: other nodes (cluster) or an off-site target.</summary>
    public bool CanFetch => view.Settings.Clustered || offsiteStores.All.Count > 0;

    /// <summary>The off-site copy: every pack stored here is queued for upload; snapshots are queued at commit.</summary>
    public OffsiteCopy Offsite => offsite;

    /// <summary>Stores a pack on its write quorum; throws <see cref="ReplicationException"/> when fewer nodes took it.</summary>
    public async Task StoreAsync(PackId id, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (!view.Settings.Clustered)
        {
            await node.Packs.WriteAsync(id, bytes, ct);
            offsite.PackStored(id);
            return;
        }

        await view.RefreshAsync();
        var settings = view.Settings;
        var candidates = view.ReadOrder(id);
        var targets = view.Targets(id);
        // Owners first (this node first among them), then the rest of the up nodes in rendezvous order.
        var order = targets.OrderBy(t => t == node.NodeId ? 0 : 1).ToList();
        order.AddRange(candidates.Where(c => !order.Contains(c)));
        order = _unresponsive.AnsweringFirst(order);
        if (!order.Contains(node.NodeId))
        {
            // The last resort when an owner fails and no other node is left: this node's own disk (repair moves it later).
            order.Add(node.NodeId);
        }

        byte[]? array = null;
        var stored = 0;
        var failures = new List<string>();
        var next = 0;
        while (stored < settings.Replicas && next < order.Count)
        {
            var batch = order.Skip(next).Take(settings.Replicas - stored).ToList();
            next += batch.Count;
            if (batch.Any(n => n != node.NodeId))
            {
                array ??= bytes.ToArray();
            }

            var results = await Task.WhenAll(batch.Select(async target =>
            {
                try
                {
                    if (target == node.NodeId)
                    {
                        await node.Packs.WriteAsync(id, bytes, ct);
                    }
                    else
                    {
                        await grains.GetGrain<IPeerGrain>(target).StorePackAsync(id, array!).WaitAsync(settings.StoreTimeout, time, ct);
                        _unresponsive.Answered(target);
                    }

                    return null;
                }
                catch (TimeoutException)
                {
                    _unresponsive.Mark(target, settings.UnresponsiveFor);
                    var reason = $"no answer within {settings.StoreTimeout.TotalSeconds:0.#} s";
                    LogStoreFailed(id.ToString(), target, reason);
                    return $"{target}: {reason}";
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStoreFailed(id.ToString(), target, e.Message);
                    return $"{target}: {e.Message}";
                }
            }));
            stored += results.Count(r => r is null);
            failures.AddRange(results.Where(r => r is not null)!);
        }

        if (stored < settings.WriteQuorum)
        {
            throw new ReplicationException(
                $"pack {id} is on {stored} node(s), fewer than the write quorum {settings.WriteQuorum} (Vault:Cluster:WriteQuorum)" +
                (failures.Count > 0 ? $": {string.Join("; ", failures)}" : ": not enough nodes are up"));
        }

        offsite.PackStored(id);
    }

    /// <summary>A whole pack from another node (not verified here: PackView checks the hash).</summary>
    public async Task<byte[]> FetchAsync(PackId id, CancellationToken ct)
    {
        return await FromAnyAsync(id, peer => peer.ReadPackAsync(id), ct);
    }

    /// <summary>A byte range of a pack from another node.</summary>
    public async Task<byte[]> FetchRangeAsync(PackId id, long offset, int length, CancellationToken ct)
    {
        return await FromAnyAsync(id, peer => peer.ReadPackRangeAsync(id, offset, length), ct, offset, length);
    }

    private async Task<byte[]> FromAnyAsync(PackId id, Func<IPeerGrain, Task<byte[]>> read, CancellationToken ct, long offset = 0, int length = -1)
    {
        try
        {
            return await FromNodesAsync(id, read, ct);
        }
        catch (CorruptDataException missing) when (offsiteStores.All.Count > 0)
        {
            // No node holds it: the off-site copy is the last resort (the whole pack, checked by its hash).
            var failures = new List<string>();
            foreach (var store in offsiteStores.All.Values)
            {
                try
                {
                    var pack = await store.GetAsync(OffsiteLayout.Pack(id), ct);
                    if (pack is null)
                    {
                        failures.Add($"target '{store.Name}': not there");
                        continue;
                    }

                    if (PackId.Of(pack) != id)
                    {
                        failures.Add($"target '{store.Name}': bytes do not hash to the pack id");
                        continue;
                    }

                    LogOffsiteRead(id.ToString(), store.Name);
                    return length < 0 ? pack : pack.AsSpan((int)Math.Min(offset, pack.Length), (int)Math.Min(length, Math.Max(0, pack.Length - offset))).ToArray();
                }
                catch (OffsiteException e)
                {
                    failures.Add(e.Message);
                }
            }

            throw new CorruptDataException($"{missing.Message}; off-site: {string.Join("; ", failures)}", id);
        }
    }

    private async Task<byte[]> FromNodesAsync(PackId id, Func<IPeerGrain, Task<byte[]>> read, CancellationToken ct)
    {
        if (!view.Settings.Clustered)
        {
            throw new CorruptDataException($"pack {id} is missing from {node.Packs.Root}.", id);
        }

        await view.RefreshAsync();
        var failures = new List<string>();
        foreach (var peer in view.ReadOrder(id))
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return await read(grains.GetGrain<IPeerGrain>(peer));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{peer}: {e.Message}");
            }
        }

        throw new CorruptDataException(
            $"pack {id} is on no reachable node (this node '{node.NodeId}' does not hold it" +
            (failures.Count > 0 ? $"; {string.Join("; ", failures)})" : "; no other node is up)"),
            id);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pack {Pack} is on no node; read from off-site target {Target}")]
    private partial void LogOffsiteRead(string pack, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing pack {Pack} on node {Node} failed: {Reason}")]
    private partial void LogStoreFailed(string pack, string node, string reason);
}
