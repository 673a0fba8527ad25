using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Vault.Security;

namespace Vault.Gateway;

/// <summary>
/// Counts calls refused before a caller was known, per client address, RPC and reason, and hands the counts to
/// the cluster's <see cref="IRefusedCallsGrain"/> every <see cref="FlushInterval"/> (and on demand). A flood of
/// junk tokens costs one grain call per interval and never touches the audit log of real callers.
/// </summary>
public sealed partial class RefusedCallLog(IGrainFactory grains, ILogger<RefusedCallLog> logger)
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);

    /// <summary>Distinct rows held between flushes; beyond, new clients are counted under "(many clients)".</summary>
    public const int MaxPendingRows = 10_000;

    private readonly SemaphoreSlim _flushing = new(1, 1);
    private ConcurrentDictionary<(string Client, string What, string Reason), Pending> _pending = new();

    public void Add(string client, string what, string reason)
    {
        var pending = _pending;
        if (pending.Count >= MaxPendingRows && !pending.ContainsKey((client, what, reason)))
        {
            client = "(many clients)";
        }

        var now = DateTimeOffset.UtcNow;
        var row = pending.GetOrAdd((client, what, reason), _ => new Pending(now));
        row.Hit(now);
    }

    /// <summary>Sends what was counted since the last flush to the grain; on failure the counts are logged and dropped.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            var taken = Interlocked.Exchange(ref _pending, new());
            if (taken.IsEmpty)
            {
                return;
            }

            var batch = taken.Select(kv => kv.Value.ToRecord(kv.Key.Client, kv.Key.What, kv.Key.Reason)).ToList();
            foreach (var row in batch)
            {
                LogRefused(row.Count, row.Client, row.What, row.Reason);
            }

            try
            {
                await grains.GetGrain<IRefusedCallsGrain>("default").AddAsync(batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The log lines above are the record of last resort.
                LogFlushFailed(e.Message);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    [LoggerMessage(EventId = 7101, EventName = "GatewayRefused", Level = LogLevel.Warning,
        Message = "refused unauthenticated calls: {Count} from {Client} to {What}: {Reason}")]
    private partial void LogRefused(long count, string client, string what, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "cannot record refused unauthenticated calls: {Error}")]
    private partial void LogFlushFailed(string error);

    private sealed class Pending(DateTimeOffset first)
    {
        private long _count;
        private long _lastTicks = first.UtcTicks;

        public void Hit(DateTimeOffset now)
        {
            Interlocked.Increment(ref _count);
            Interlocked.Exchange(ref _lastTicks, now.UtcTicks);
        }

        public RefusedCalls ToRecord(string client, string what, string reason) =>
            new(client, what, reason, Interlocked.Read(ref _count), first, new DateTimeOffset(Interlocked.Read(ref _lastTicks), TimeSpan.Zero));
    }

    /// <summary>Flushes every <see cref="FlushInterval"/> and once more when the host stops.</summary>
    public sealed class Flusher(RefusedCallLog log) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(FlushInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    await log.FlushAsync();
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }

            await log.FlushAsync();
        }
    }
}
