using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Peers;
using Vault.Snapshots;

namespace Vault.Grains.Backup;

/// <summary>
/// This node's open stream backups. A session that sees no call for <see cref="IdleTimeout"/>
/// (its sender vanished without aborting) is aborted by a sweep, so none stays open forever.
/// </summary>
public sealed class StreamSessions : IAsyncDisposable
{
    public const int MaxOpen = 16;

    private readonly ConcurrentDictionary<JobId, StreamSession> _open = new();
    private readonly VaultNode _node;
    private readonly IngestPath _ingest;
    private readonly IGrainFactory _grains;
    private readonly JobRunner _jobs;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Timer _sweep;

    public StreamSessions(VaultNode node, IngestPath ingest, IGrainFactory grains, JobRunner jobs, ILoggerFactory loggers)
    {
        _node = node;
        _ingest = ingest;
        _grains = grains;
        _jobs = jobs;
        _loggers = loggers;
        _logger = loggers.CreateLogger<StreamSessions>();
        _sweep = new Timer(_ => _ = SweepAsync(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public int Count => _open.Count;

    public async Task<JobRecord> BeginAsync(StreamBackupRequest request)
    {
        if (_open.Count >= MaxOpen)
        {
            throw new InvalidRequestException($"node '{_node.NodeId}' has {MaxOpen} stream backups open already; try again later");
        }

        var record = new JobRecord(JobKind.Backup, _node.NodeId) { Snapshot = SnapshotId.New() };
        var ingest = await _ingest.BeginAsync(record, ["/" + request.Name], record.Cancellation.Token);
        var session = new StreamSession(_node, ingest, _grains, record, request, _loggers.CreateLogger<StreamSession>());
        _open[record.Id] = session;
        _jobs.Track(record);
        return record;
    }

    public Task AppendAsync(JobId id, ReadOnlyMemory<byte> data) => RunAsync(id, s => s.AppendAsync(data), close: false);

    public async Task<SnapshotInfo> CompleteAsync(JobId id, long totalSize)
    {
        SnapshotInfo? result = null;
        await RunAsync(id, async s => result = await s.CompleteAsync(totalSize), close: true);
        return result!;
    }

    public async Task AbortAsync(JobId id, string reason)
    {
        if (_open.TryRemove(id, out var session))
        {
            _logger.LogWarning("stream backup {Job} aborted, nothing committed: {Reason}", id, reason);
            session.Abort(reason);
            await session.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweep.DisposeAsync();
        foreach (var id in _open.Keys)
        {
            await AbortAsync(id, "the node is shutting down");
        }
    }

    private async Task RunAsync(JobId id, Func<StreamSession, Task> action, bool close)
    {
        if (!_open.TryGetValue(id, out var session))
        {
            throw new JobNotFoundException($"node '{_node.NodeId}' has no open stream session {id} (finished, aborted after {IdleTimeout.TotalSeconds:F0} s idle, or the node restarted)");
        }

        try
        {
            await action(session);
        }
        catch (Exception e) when (e is not InvalidRequestException || close)
        {
            await AbortAsync(id, e.Message);
            throw;
        }

        if (close && _open.TryRemove(id, out _))
        {
            await session.DisposeAsync();
        }
    }

    private async Task SweepAsync()
    {
        var now = Environment.TickCount64;
        foreach (var (id, session) in _open)
        {
            if (now - session.LastActivity > IdleTimeout.TotalMilliseconds)
            {
                await AbortAsync(id, $"stream upload abandoned: no data for {IdleTimeout.TotalSeconds:F0} s; nothing was committed");
            }
        }
    }
}
