// The node's uploader: one loop per target drains that target's queue in order, with at most
// Concurrency uploads in flight (each holds one pack in memory, so memory stays flat whatever the
// backlog), a node-wide bandwidth limit, and retries with exponential backoff after a failure (the
// failed entry and everything after it wait; the lag grows and is visible in Status). A snapshot record
// waits for every earlier entry of its target (its packs) before it goes up. Packs are read from the
// node's store when their turn comes; one that has left the store (garbage collected) is dropped.
using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vault.Offsite.Stores;
using Vault.Storage;

namespace Vault.Offsite.Upload;

public sealed partial class OffsiteUploader : BackgroundService
{
    private readonly OffsiteQueue _queue;
    private readonly IReadOnlyDictionary<string, IOffsiteStore> _stores;
    private readonly IReadOnlyDictionary<string, OffsiteTargetOptions> _targets;
    private readonly LocalPackStore _packs;
    private readonly OffsiteOptions _options;
    private readonly BandwidthLimit _bandwidth;
    private readonly TimeProvider _time;
    private readonly ILogger<OffsiteUploader> _logger;
    private readonly ConcurrentDictionary<string, TargetState> _state = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    public OffsiteUploader(OffsiteQueue queue, OffsiteStores stores, OffsiteOptions options, LocalPackStore packs, TimeProvider time, ILogger<OffsiteUploader> logger)
    {
        _queue = queue;
        _stores = stores.All;
        _targets = options.Targets;
        _packs = packs;
        _options = options;
        _time = time;
        _logger = logger;
        _bandwidth = new BandwidthLimit(options.MaxBytesPerSecond, time);
        foreach (var name in _stores.Keys)
        {
            _state[name] = new TargetState();
        }

        queue.Enqueued += () => _wake.Release();
    }

    /// <summary>Raised when a target starts or stops lagging (oldest pending upload older than LagThreshold): target, lagging, status.</summary>
    public event Action<OffsiteTargetStatus>? LagChanged;

    /// <summary>The lag of every target, computed from the queue on disk.</summary>
    public IReadOnlyList<OffsiteTargetStatus> Status()
    {
        var now = _time.GetUtcNow();
        var result = new List<OffsiteTargetStatus>();
        foreach (var name in _stores.Keys.Order(StringComparer.Ordinal))
        {
            var entries = _queue.List(name);
            var packs = entries.Where(e => e.Kind == OffsiteEntryKind.Pack).ToList();
            long bytes = 0;
            foreach (var p in packs)
            {
                bytes += PackId.TryParse(p.Name, out var id) && _packs.Exists(id) ? _packs.Length(id) : 0;
            }

            var oldest = entries.Count > 0 ? now - entries.Min(e => e.Queued) : TimeSpan.Zero;
            if (oldest < TimeSpan.Zero)
            {
                oldest = TimeSpan.Zero;
            }

            var state = _state[name];
            result.Add(new OffsiteTargetStatus(name, packs.Count, bytes, entries.Count, oldest,
                Interlocked.Read(ref state.UploadedObjects), Interlocked.Read(ref state.UploadedBytes),
                state.LastError, state.LastErrorAt, oldest > _options.LagThreshold));
        }

        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_stores.Count == 0)
        {
            return;
        }

        await Task.WhenAll(_stores.Values.Select(store => Task.Run(() => RunTargetAsync(store, stoppingToken), stoppingToken)));
    }

    private async Task RunTargetAsync(IOffsiteStore store, CancellationToken ct)
    {
        var state = _state[store.Name];
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var drained = await DrainAsync(store, state, ct);
                failures = 0;
                CheckLag(store.Name, state);
                if (drained)
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(5), ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                state.LastError = e.Message;
                state.LastErrorAt = _time.GetUtcNow();
                LogUploadFailed(store.Name, failures, e.Message);
                CheckLag(store.Name, state);
                var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks << Math.Min(failures - 1, 20)));
                try
                {
                    await Task.Delay(delay, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Uploads what is queued now; true when the queue was empty, false when there may be more.</summary>
    private async Task<bool> DrainAsync(IOffsiteStore store, TargetState state, CancellationToken ct)
    {
        var entries = _queue.List(store.Name);
        if (entries.Count == 0)
        {
            return true;
        }

        var target = _targets[store.Name];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(_options.Concurrency);
        var inFlight = new List<Task>();
        try
        {
            foreach (var entry in entries)
            {
                if (entry.Kind == OffsiteEntryKind.Snapshot)
                {
                    await Task.WhenAll(inFlight); // its packs first
                    inFlight.Clear();
                }

                await slots.WaitAsync(stop.Token);
                var failed = inFlight.FirstOrDefault(t => t.IsFaulted);
                if (failed is not null)
                {
                    slots.Release();
                    break;
                }

                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await UploadAsync(store, target, entry, state, stop.Token);
                    }
                    catch
                    {
                        await stop.CancelAsync(); // fail fast: the first failure stops the others
                        throw;
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        finally
        {
            try
            {
                await Task.WhenAll(inFlight);
            }
            catch when (inFlight.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException) is { } first)
            {
                throw first.Exception!.InnerException!;
            }
        }

        return false;
    }

    private async Task UploadAsync(IOffsiteStore store, OffsiteTargetOptions target, OffsiteEntry entry, TargetState state, CancellationToken ct)
    {
        byte[]? bytes;
        if (entry.Kind == OffsiteEntryKind.Pack)
        {
            var id = PackId.Parse(entry.Name);
            bytes = _packs.Exists(id) || _packs.InTrash(id) ? await _packs.ReadAsync(id, ct) : null;
            if (bytes is null)
            {
                LogPackGone(store.Name, entry.Name);
                _queue.Complete(entry);
                return;
            }

            if (PackId.Of(bytes) != id)
            {
                throw new CorruptDataException($"pack {id} on this node does not match its id; not uploaded to target '{store.Name}' (repair replaces it from another node)", id);
            }
        }
        else
        {
            bytes = OffsiteQueue.ReadPayload(entry);
        }

        await _bandwidth.AcquireAsync(bytes.Length, ct);
        DateTimeOffset? retainUntil = target.RetentionDays > 0 ? _time.GetUtcNow().AddDays(target.RetentionDays) : null;
        await store.PutAsync(entry.ObjectKey, bytes, retainUntil, ct);
        _queue.Complete(entry);
        Interlocked.Increment(ref state.UploadedObjects);
        Interlocked.Add(ref state.UploadedBytes, bytes.Length);
        OffsiteMetrics.Uploaded(store.Name, bytes.Length);
    }

    private void CheckLag(string target, TargetState state)
    {
        var status = Status().First(s => s.Target == target);
        OffsiteMetrics.Report(status);
        if (status.Lagging != state.Lagging)
        {
            state.Lagging = status.Lagging;
            LagChanged?.Invoke(status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Off-site upload to target {Target} failed (attempt {Attempt}); retrying with backoff: {Reason}")]
    private partial void LogUploadFailed(string target, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pack {Pack} left this node before its upload to target {Target}; dropped from the queue")]
    private partial void LogPackGone(string target, string pack);

    private sealed class TargetState
    {
        public long UploadedObjects;
        public long UploadedBytes;
        public volatile string? LastError;
        public DateTimeOffset? LastErrorAt;
        public bool Lagging;
    }
}
