// Repair, one loop per node (cluster mode only). Each pass, for the packs this node holds:
//
//   1. compute each pack's targets (first R up nodes in rendezvous order over the roster);
//   2. ask every other target which of them it holds (HasPacksAsync, batched per node);
//   3. push the missing copies (rate limited: Vault:Cluster:RepairBytesPerSecond);
//   4. drop the local copy when this node is not a target, all R targets confirmed the pack,
//      and the set of up nodes has been stable for a while (so two nodes with different views
//      cannot both drop);
//   5. when this node is being decommissioned and holds nothing any more, mark it gone.
//
// GC: a pack GC trashes is condemned on every node (CondemnedPacks) before it moves to the trash.
// A pass skips a pack it no longer holds outside the trash, and a node refuses to store a condemned
// pack, so a push decided before GC trashed the pack cannot bring it back, whatever the order.
//
// A node that dies stops being a target, so the nodes holding the other copies push new ones;
// when it comes back, the sloppy extra copies are dropped by step 4. The loop is driven by a timer
// (Vault:Cluster:RepairInterval) and re-reads everything each pass, so it resumes after any crash.
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Grains.Node;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Replication;

public sealed partial class RepairLoop(
    VaultNode node,
    ClusterView view,
    IGrainFactory grains,
    CondemnedPacks condemned,
    Notifications.UnderReplicationWatch underReplication,
    Vault.Notifications.INotificationSink notifications,
    ILogger<RepairLoop> logger) : BackgroundService
{
    private const int BatchSize = 512;
    private readonly SemaphoreSlim _pass = new(1, 1);
    private volatile bool _joined;

    /// <summary>Test seam: runs after a copy was read and before it is pushed to the target.</summary>
    internal Func<PackId, string, Task>? BeforeStore { get; set; }

    /// <summary>Packs held here that the last pass found on fewer than R up nodes.</summary>
    public long UnderReplicated { get; private set; }

    public DateTimeOffset? LastPass { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo finishes starting while this runs: the first calls may fail until it is active.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(e.Message);
            }

            try
            {
                await Task.Delay(_joined ? view.Settings.RepairInterval : TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass (concurrent callers wait for the running one). Returns the packs pushed and dropped.</summary>
    public async Task<(int Pushed, int Dropped)> RunPassAsync(CancellationToken ct)
    {
        await _pass.WaitAsync(ct);
        try
        {
            if (!_joined)
            {
                await grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).JoinAsync(node.NodeId);
                _joined = true;
            }

            await view.RefreshAsync(force: true);
            return await RepairAsync(ct);
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task<(int Pushed, int Dropped)> RepairAsync(CancellationToken ct)
    {
        var local = node.NodeId;
        var packs = node.Packs.Enumerate().ToList();
        var targets = new Dictionary<PackId, List<string>>(packs.Count);
        var asks = new Dictionary<string, List<PackId>>(StringComparer.Ordinal);
        foreach (var pack in packs)
        {
            var t = view.Targets(pack);
            targets[pack] = t;
            foreach (var n in t.Where(n => n != local))
            {
                (asks.TryGetValue(n, out var list) ? list : asks[n] = []).Add(pack);
            }
        }

        // Which target holds what: one call per node and batch.
        var held = new HashSet<(PackId, string)>();
        var unreachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (peer, ids) in asks)
        {
            foreach (var batch in ids.Chunk(BatchSize))
            {
                try
                {
                    var has = await grains.GetGrain<IPeerGrain>(peer).HasPacksAsync(batch);
                    for (var i = 0; i < batch.Length; i++)
                    {
                        if (has[i])
                        {
                            held.Add((batch[i], peer));
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    unreachable.Add(peer);
                    LogPeerUnreachable(peer, e.Message);
                    break;
                }
            }
        }

        long under = 0;
        int pushed = 0, dropped = 0;
        var budget = new Stopwatch();
        long sent = 0;
        budget.Start();
        var decommissioning = view.LocalMembership == NodeMembership.Decommissioning;
        foreach (var pack in packs)
        {
            ct.ThrowIfCancellationRequested();
            var t = targets[pack];
            var copies = t.Count(n => n == local || held.Contains((pack, n)));
            if (copies < view.Settings.Replicas)
            {
                under++;
            }

            foreach (var target in t.Where(n => n != local && !held.Contains((pack, n)) && !unreachable.Contains(n)))
            {
                if (!node.Packs.Exists(pack) || condemned.Contains(pack))
                {
                    // GC trashed it since the pass began (reads still find the trash): never copy it back.
                    LogSkippedCondemned(pack.ToString());
                    break;
                }

                try
                {
                    var bytes = await node.Packs.ReadAsync(pack, ct);
                    if (PackId.Of(bytes) != pack)
                    {
                        LogLocalCopyCorrupt(pack.ToString());
                        break; // never spread a bad copy; another holder will push a good one
                    }

                    if (BeforeStore is { } seam)
                    {
                        await seam(pack, target);
                    }

                    await grains.GetGrain<IPeerGrain>(target).StorePackAsync(pack, bytes);
                    held.Add((pack, target));
                    pushed++;
                    sent += bytes.Length;
                    await ThrottleAsync(sent, budget, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPushFailed(pack.ToString(), target, e.Message);
                }
            }

            var placed = t.Count(n => n != local && held.Contains((pack, n)));
            if (!t.Contains(local) && t.Count == view.Settings.Replicas && placed == t.Count && (view.IsStable || decommissioning))
            {
                node.Packs.Delete(pack);
                dropped++;
            }
        }

        UnderReplicated = under;
        underReplication.Observe(local, under);
        LastPass = DateTimeOffset.UtcNow;
        if (pushed > 0 || dropped > 0)
        {
            LogPass(packs.Count, pushed, dropped, under);
        }

        if (decommissioning && !node.Packs.Enumerate().Any())
        {
            await grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).CompleteDecommissionAsync(local);
            await view.RefreshAsync(force: true);
            LogDecommissioned(local);
            Notifications.NodeEvents.DecommissionFinished(notifications, local);
        }

        return (pushed, dropped);
    }

    private async Task ThrottleAsync(long sent, Stopwatch clock, CancellationToken ct)
    {
        var due = TimeSpan.FromSeconds((double)sent / Math.Max(1, view.Settings.RepairBytesPerSecond));
        var ahead = due - clock.Elapsed;
        if (ahead > TimeSpan.Zero)
        {
            await Task.Delay(ahead, ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair pass failed; retrying at the next interval: {Reason}")]
    private partial void LogPassFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair: node {Node} unreachable this pass: {Reason}")]
    private partial void LogPeerUnreachable(string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair: pushing pack {Pack} to {Node} failed: {Reason}")]
    private partial void LogPushFailed(string pack, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair: pack {Pack} was condemned by GC; not copied")]
    private partial void LogSkippedCondemned(string pack);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair: the local copy of pack {Pack} does not match its id; it is not copied")]
    private partial void LogLocalCopyCorrupt(string pack);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair pass: {Packs} packs held, {Pushed} copies pushed, {Dropped} misplaced copies dropped, {Under} under-replicated")]
    private partial void LogPass(int packs, int pushed, int dropped, long under);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} is drained and now decommissioned")]
    private partial void LogDecommissioned(string node);
}
