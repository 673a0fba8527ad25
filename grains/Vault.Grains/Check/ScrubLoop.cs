// Scrubbing, one loop per node (both modes). The node re-verifies every pack it holds — hash,
// trailer, every blob — once per Vault:Scrub:Period, so bit rot is found while a good copy still
// exists, not at restore time.
//
// Walk: the pack store in id order, one prefix directory (packs/00 … packs/ff) at a time; a cycle
// ends past packs/ff and the next one starts at packs/00. The cursor (ScrubCursor: directory,
// last pack verified, when each directory was entered) is saved in DataDir/scrub-cursor.json at
// least every 30 s and at every event, so a restart resumes where the walk was.
//
// Pace: each pack gets its byte share of the period (period × pack bytes / node bytes), never
// less than Vault:Scrub:MaxBytesPerSecond allows; a node holding more than period × max rate
// bytes takes longer than the period, and its coverage says so. The node's bytes and the coverage
// come from a walk of the store (file sizes and times) every 10 minutes and at each cycle's end.
//
// A damaged copy: in cluster mode, the other nodes are asked for theirs in read order (owners
// first); the first whose bytes hash to the pack id replaces the local file atomically (temp
// file, fsync, rename) — reported as repaired. With no good copy anywhere (embedded mode, R = 1,
// or every copy bad) the file is left where it is and reported: log, metric, node status. Data
// is never deleted here.
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Check;
using Vault.Grains.Node;
using Vault.Grains.Replication;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Check;

public sealed partial class ScrubLoop(
    VaultNode node,
    PackReader packs,
    ClusterView view,
    IGrainFactory grains,
    ScrubSettings settings,
    Vault.Notifications.INotificationSink notifications,
    ILogger<ScrubLoop> logger) : BackgroundService
{
    public const string CursorFile = "scrub-cursor.json";

    private static readonly TimeSpan SurveyInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _cursorPath = Path.Combine(node.DataDir, CursorFile);
    private ScrubCursor? _cursor;
    private Queue<PackId>? _listing;
    private DateTimeOffset _saved = DateTimeOffset.MinValue;
    private Survey _survey = new(null, 0, 0, 1);
    private (long Packs, long Bytes) _lastCycle;
    private volatile ScrubStatus? _status;
    private IDisposable? _published;

    public ScrubSettings Settings => settings;

    /// <summary>What the node reports: coverage, last completed cycle, damaged copies found, repaired and left in place.</summary>
    public ScrubStatus Status => _status ?? new ScrubStatus(settings.Enabled, 0, null, null, 0, 0, []);

    /// <summary>
    /// Starts a new cycle and verifies every local pack now, without pacing; returns what it found.
    /// Waits for a step of the background loop that is under way; the loop then goes on from the new cycle.
    /// </summary>
    public async Task<ScrubCycle> RunCycleAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var cursor = Cursor();
            cursor.BeginCycle(DateTimeOffset.UtcNow);
            _listing = null;
            var (_, repaired, unrepaired) = await StepsAsync(int.MaxValue, ct);
            return new ScrubCycle(cursor.LastCycleCompleted!.Value, _lastCycle.Packs, _lastCycle.Bytes, repaired, unrepaired);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Verifies up to <paramref name="maxPacks"/> packs from where the walk is, without pacing, stopping at the
    /// end of the cycle; returns how many it verified and whether the cycle ended.
    /// </summary>
    public async Task<(int Packs, bool CycleEnded)> ContinueAsync(int maxPacks, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var (packs, _, _) = await StepsAsync(maxPacks, ct);
            return (packs, packs < maxPacks);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the background loop and saves the cursor, so the next start resumes right here.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await WithGateAsync(() =>
            {
                if (_cursor is { } cursor)
                {
                    Save(cursor, force: true);
                }

                return Task.FromResult(true);
            }, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping in a hurry: the cursor saved at most 30 s ago is used instead.
        }
    }

    /// <summary>Steps until <paramref name="maxPacks"/> packs were looked at or the cycle ended. Call under the gate.</summary>
    private async Task<(int Packs, List<PackId> Repaired, List<PackId> Unrepaired)> StepsAsync(int maxPacks, CancellationToken ct)
    {
        var repaired = new List<PackId>();
        var unrepaired = new List<PackId>();
        var packs = 0;
        while (packs < maxPacks && await StepAsync(ct) is { Pack: { } pack } step)
        {
            packs++;
            if (step.Outcome == ScrubOutcome.Repaired)
            {
                repaired.Add(pack);
            }
            else if (step.Outcome == ScrubOutcome.Unrepaired)
            {
                unrepaired.Add(pack);
            }
        }

        return (packs, repaired, unrepaired);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await WithGateAsync(() => Task.FromResult(SurveyStore()), stoppingToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStepFailed(e.Message);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!settings.Enabled)
        {
            LogDisabled();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var step = await WithGateAsync(() => StepAsync(stoppingToken), stoppingToken);
                if (step.Pack is null)
                {
                    // A cycle ended. An empty store has nothing to pace by: look again later.
                    if (_lastCycle.Packs == 0)
                    {
                        await Task.Delay(SurveyInterval, stoppingToken);
                    }

                    continue;
                }

                await PaceAsync(step.Bytes, started, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogStepFailed(e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public override void Dispose()
    {
        _published?.Dispose();
        base.Dispose();
    }

    /// <summary>Waits until the pack just verified has had its share of the period, re-surveying the store meanwhile.</summary>
    private async Task PaceAsync(long bytes, long started, CancellationToken ct)
    {
        while (true)
        {
            var wait = ScrubPace.Delay(bytes, _survey.Bytes, settings.Period, settings.MaxBytesPerSecond) - Stopwatch.GetElapsedTime(started);
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(wait < SurveyInterval ? wait : SurveyInterval, ct);
            if (_survey.At is not { } at || DateTimeOffset.UtcNow - at >= SurveyInterval)
            {
                await WithGateAsync(() => Task.FromResult(SurveyStore()), ct);
            }
        }
    }

    private async Task<T> WithGateAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Verifies the next pack; a step without a pack ended a cycle (and started the next). Call under the gate.</summary>
    private async Task<ScrubStep> StepAsync(CancellationToken ct)
    {
        var cursor = Cursor();
        while (true)
        {
            if (cursor.Prefix >= ScrubCursor.Prefixes)
            {
                CompleteCycle(cursor);
                return new ScrubStep(null, 0, ScrubOutcome.Verified);
            }

            _listing ??= new Queue<PackId>(node.Packs.ListPrefix(cursor.Prefix)
                .Where(p => cursor.After is null || string.CompareOrdinal(p.ToString(), cursor.After) > 0));
            if (!_listing.TryDequeue(out var pack))
            {
                cursor.Enter(cursor.Prefix + 1, DateTimeOffset.UtcNow);
                _listing = null;
                continue;
            }

            var (outcome, bytes) = await VerifyAsync(cursor, pack, ct);
            cursor.After = pack.ToString();
            if (outcome != ScrubOutcome.Vanished)
            {
                cursor.CyclePacks++;
                cursor.CycleBytes += bytes;
                ScrubMetrics.Verified(node.NodeId, bytes);
            }

            Save(cursor, force: outcome is ScrubOutcome.Repaired or ScrubOutcome.Unrepaired);
            return new ScrubStep(pack, bytes, outcome);
        }
    }

    private async Task<(ScrubOutcome, long)> VerifyAsync(ScrubCursor cursor, PackId pack, CancellationToken ct)
    {
        string problem;
        try
        {
            if (await packs.VerifyLocalCopyAsync(pack, ct) is not { } length)
            {
                cursor.ClearUnrepaired(pack);
                return (ScrubOutcome.Vanished, 0);
            }

            cursor.ClearUnrepaired(pack);
            return (ScrubOutcome.Verified, length);
        }
        catch (CorruptDataException e)
        {
            problem = e.Message;
        }
        catch (IOException e)
        {
            // A failing disk answers with I/O errors rather than wrong bytes: that is damage too.
            problem = $"pack {pack} cannot be read: {e.Message}";
        }

        var file = new FileInfo(node.Packs.PathOf(pack));
        var size = file.Exists ? file.Length : 0;
        var known = cursor.Unrepaired.Contains(pack.ToString());
        var (repair, source) = await RepairAsync(pack, ct);
        if (repair == ScrubOutcome.Vanished)
        {
            cursor.ClearUnrepaired(pack);
            return (repair, 0);
        }

        if (!known)
        {
            cursor.CorruptFound++;
        }

        if (repair == ScrubOutcome.Repaired)
        {
            cursor.Repaired++;
            cursor.ClearUnrepaired(pack);
            ScrubMetrics.Damaged(node.NodeId, repaired: true);
            LogRepaired(pack.ToString(), node.NodeId, source!, problem);
            Notifications.NodeEvents.ScrubDamage(notifications, node.NodeId, pack.ToString(), repaired: true, problem, source);
        }
        else
        {
            cursor.MarkUnrepaired(pack);
            ScrubMetrics.Damaged(node.NodeId, repaired: false);
            LogUnrepaired(pack.ToString(), node.Packs.PathOf(pack), problem, source ?? "no other node holds a copy");
            Notifications.NodeEvents.ScrubDamage(notifications, node.NodeId, pack.ToString(), repaired: false, problem, source ?? "no other node holds a copy");
        }

        return (repair, size);
    }

    /// <summary>Replaces a damaged local copy with another node's good one. Returns the outcome and the node it came from (or why none did).</summary>
    private async Task<(ScrubOutcome, string?)> RepairAsync(PackId pack, CancellationToken ct)
    {
        if (!view.Settings.Clustered)
        {
            return (ScrubOutcome.Unrepaired, "embedded mode keeps one copy");
        }

        await view.RefreshAsync();
        var failures = new List<string>();
        foreach (var peer in view.ReadOrder(pack))
        {
            ct.ThrowIfCancellationRequested();
            byte[] bytes;
            try
            {
                bytes = await grains.GetGrain<IPeerGrain>(peer).ReadPackAsync(pack);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{peer}: {e.Message}");
                continue;
            }

            if (PackId.Of(bytes) != pack)
            {
                failures.Add($"{peer}: its copy is damaged too");
                continue;
            }

            try
            {
                if (!await node.Packs.ReplaceAsync(pack, bytes, ct))
                {
                    return (ScrubOutcome.Vanished, null);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (ScrubOutcome.Unrepaired, $"the good copy of {peer} could not replace the local file: {e.Message}");
            }

            packs.Forget(pack);
            return (ScrubOutcome.Repaired, peer);
        }

        return (ScrubOutcome.Unrepaired, failures.Count > 0 ? string.Join("; ", failures) : null);
    }

    private void CompleteCycle(ScrubCursor cursor)
    {
        var now = DateTimeOffset.UtcNow;
        cursor.LastCycleCompleted = now;
        cursor.Unrepaired.RemoveAll(hex => !PackId.TryParse(hex, out var id) || !node.Packs.Exists(id));
        SurveyStore();
        _lastCycle = (cursor.CyclePacks, cursor.CycleBytes);
        if (cursor.CyclePacks > 0)
        {
            LogCycle(node.NodeId, cursor.CyclePacks, cursor.CycleBytes, _survey.Coverage, cursor.Unrepaired.Count);
        }

        cursor.BeginCycle(now);
        _listing = null;
        Save(cursor, force: true);
    }

    /// <summary>Walks the store for its size and coverage, and publishes the status. Call under the gate.</summary>
    private Survey SurveyStore()
    {
        var cursor = Cursor();
        var now = DateTimeOffset.UtcNow;
        long count = 0, bytes = 0, covered = 0;
        for (var prefix = 0; prefix < ScrubCursor.Prefixes; prefix++)
        {
            foreach (var pack in node.Packs.ListPrefix(prefix))
            {
                var file = new FileInfo(node.Packs.PathOf(pack));
                if (!file.Exists)
                {
                    continue;
                }

                count++;
                bytes += file.Length;
                if (cursor.Covers(pack, file.LastWriteTimeUtc, now, settings.Period))
                {
                    covered++;
                }
            }
        }

        _survey = new Survey(now, count, bytes, count == 0 ? 1 : (double)covered / count);
        Publish(cursor);
        return _survey;
    }

    private void Publish(ScrubCursor cursor)
    {
        var unrepaired = cursor.Unrepaired.Select(PackId.Parse).ToArray();
        var status = new ScrubStatus(settings.Enabled, _survey.Coverage, _survey.At, cursor.LastCycleCompleted, cursor.CorruptFound, cursor.Repaired, unrepaired);
        _status = status;
        _published ??= ScrubMetrics.Publish(node.NodeId, status);
        ScrubMetrics.Publish(node.NodeId, status);
    }

    private ScrubCursor Cursor()
    {
        if (_cursor is null)
        {
            _cursor = ScrubCursor.Load(_cursorPath);
            if (_cursor is null)
            {
                _cursor = ScrubCursor.Start(DateTimeOffset.UtcNow);
                Save(_cursor, force: true);
            }
            else
            {
                LogResumed(node.NodeId, _cursor.Prefix, _cursor.After ?? "-");
            }
        }

        return _cursor;
    }

    private void Save(ScrubCursor cursor, bool force)
    {
        var now = DateTimeOffset.UtcNow;
        if (force || now - _saved >= SaveInterval)
        {
            try
            {
                cursor.Save(_cursorPath);
                _saved = now;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCursorNotSaved(_cursorPath, e.Message);
            }

            Publish(cursor);
        }
    }

    /// <summary>A walk of the store: when, how many packs and bytes, and the fraction verified within the period.</summary>
    private sealed record Survey(DateTimeOffset? At, long Packs, long Bytes, double Coverage);

    private sealed record ScrubStep(PackId? Pack, long Bytes, ScrubOutcome Outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrubbing is off (Vault:Scrub:Enabled); packs are verified only on demand")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub of node {Node} resumes in directory {Prefix} after pack {After}")]
    private partial void LogResumed(string node, int prefix, string after);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrub step failed; retrying in a minute: {Reason}")]
    private partial void LogStepFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrub: pack {Pack} on node {Node} was damaged ({Problem}); replaced by the good copy of node {Source}")]
    private partial void LogRepaired(string pack, string node, string source, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub: pack {Pack} is damaged ({Problem}) and no good copy was found ({Why}); the file {Path} is left in place")]
    private partial void LogUnrepaired(string pack, string path, string problem, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub cycle of node {Node} done: {Packs} packs, {Bytes} bytes verified; coverage {Coverage:P1}; {Unrepaired} damaged copies left in place")]
    private partial void LogCycle(string node, long packs, long bytes, double coverage, int unrepaired);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrub cursor {Path} could not be saved (the walk restarts further back after a restart): {Reason}")]
    private partial void LogCursorNotSaved(string path, string reason);
}

public enum ScrubOutcome
{
    Verified = 0,
    Repaired = 1,
    Unrepaired = 2,
    /// <summary>The pack was deleted (garbage collection, repair) while being looked at.</summary>
    Vanished = 3,
}

/// <summary>What one full cycle found: packs and bytes verified, copies repaired and copies left damaged.</summary>
public sealed record ScrubCycle(DateTimeOffset Completed, long Packs, long Bytes, IReadOnlyList<PackId> Repaired, IReadOnlyList<PackId> Unrepaired);
