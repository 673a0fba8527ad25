// A stream backup: bytes arrive in segments (grain calls) instead of being read from a file.
// The segments are chunked with the same content-defined chunker as files, across segment
// boundaries, so a stream and a file with the same bytes share every chunk. Memory is bounded
// by one chunker window (2 × max chunk, from the node's bounded pool) plus the ingest session's
// bounded stages; an append returns only once its chunks are in the pipeline, which throttles the
// sender. From the cut on, a stream is the same IngestSession as a file backup: replicated to the
// write quorum, checkpointed, committed under the GC lease.
//
// Nothing is committed before CompleteAsync: an aborted or abandoned session leaves no snapshot,
// and its checkpointed packs (indexed, so later backups dedup against them) for GC to collect.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Backup;

public sealed class StreamSession : IAsyncDisposable
{
    private readonly VaultNode _node;
    private readonly IGrainFactory _grains;
    private readonly StreamBackupRequest _request;
    private readonly ILogger _logger;
    private readonly IngestSession _session;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ChunkId> _ids = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ChunkWindow? _window;
    private long _total;
    private bool _finished;

    public StreamSession(VaultNode node, IngestSession session, IGrainFactory grains, JobRecord record, StreamBackupRequest request, ILogger logger)
    {
        _node = node;
        _session = session;
        _grains = grains;
        Record = record;
        _request = request;
        _logger = logger;
        _window = new ChunkWindow(Buffers.Pool.Rent(session.WindowSize));
        Touch();
    }

    public JobRecord Record { get; }

    /// <summary>When the session last saw a call (Environment.TickCount64).</summary>
    public long LastActivity { get; private set; }

    public async Task AppendAsync(ReadOnlyMemory<byte> data)
    {
        await _gate.WaitAsync();
        try
        {
            ThrowIfFinished();
            Touch();
            var window = _window!;
            while (data.Length > 0)
            {
                var n = Math.Min(window.Free.Length, data.Length);
                data[..n].CopyTo(window.Free);
                data = data[n..];
                window.Advance(n);
                _total += n;
                Record.BytesRead(n);
                await _session.CutAsync(window, eof: false, _ids);
            }

            Touch();
        }
        catch (OperationCanceledException) when (_session.Failure is { } failure)
        {
            // A stage failed and cancelled the rest: the sender gets the cause.
            _finished = true;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        catch (Exception e) when (e is not InvalidRequestException)
        {
            _finished = true;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<SnapshotInfo> CompleteAsync(long totalSize)
    {
        await _gate.WaitAsync();
        try
        {
            ThrowIfFinished();
            _finished = true;
            if (totalSize != 0 && totalSize != _total)
            {
                throw new StreamTruncatedException($"stream '{_request.Name}' is truncated: {_total} bytes received, the sender announced {totalSize}; nothing was committed");
            }

            await _session.CutAsync(_window!, eof: true, _ids);
            var now = DateTimeOffset.UtcNow;
            var nowNs = now.ToUnixTimeMilliseconds() * 1_000_000;
            var file = new TreeNode { Name = _request.Name, Type = NodeType.File, Mode = 0b110_100_000, MTimeNs = nowNs, CTimeNs = nowNs, Size = _total, Content = [.. _ids] };
            var root = await _session.StoreTreeAsync([file]);
            await _session.FlushAsync();

            var p = Record.Progress();
            var stats = new SnapshotStats(1, 1, 0, _total, p.BytesNew, p.BytesStored, p.ChunksNew, p.ChunksDeduplicated, 0, _clock.Elapsed.TotalSeconds);
            var id = Record.Snapshot ?? SnapshotId.New();
            var snapshot = new SnapshotInfo(id, _node.NodeId, _node.Hostname, ["/" + _request.Name], _request.Tags, now, null, root, stats, SnapshotState.Pending, false);
            var grain = _grains.GetGrain<ISnapshotGrain>(id.Value);
            await grain.BeginAsync(snapshot);
            var committed = await _session.CommitAsync(snapshot);
            Record.FileDone(0, unchanged: false);
            Record.TotalsKnown();
            Record.Succeed();
            _logger.LogInformation("stream backup {Snapshot} of '{Name}' committed: {Bytes} bytes, {New} new, {Stored} stored, {Seconds:F1} s",
                id, _request.Name, _total, p.BytesNew, p.BytesStored, _clock.Elapsed.TotalSeconds);
            return committed;
        }
        catch (OperationCanceledException) when (_session.Failure is { } failure)
        {
            // A stage failed while the tree was submitted or the pipeline drained: report the cause.
            if (Record.State == JobState.Running)
            {
                Record.Fail(JobFailures.From(failure, Record));
            }

            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        catch (Exception e)
        {
            if (Record.State == JobState.Running)
            {
                Record.Fail(JobFailures.From(e, Record));
            }

            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the session without committing; the job is marked failed with <paramref name="reason"/>.</summary>
    public void Abort(string reason, ErrorCode code = ErrorCode.Refused)
    {
        _finished = true;
        if (Record.State == JobState.Running)
        {
            Record.Fail(new JobFailure(code, reason));
        }

        Record.Cancellation.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        Record.Cancellation.Cancel();
        await _session.DisposeAsync();
        await _gate.WaitAsync();
        try
        {
            if (_window is { } window)
            {
                _window = null;
                Buffers.Pool.Return(window.Buffer);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Touch() => LastActivity = Environment.TickCount64;

    private void ThrowIfFinished()
    {
        if (_finished || Record.State != JobState.Running)
        {
            throw new InvalidRequestException($"stream session {Record.Id} is finished ({Record.Error ?? Record.State.ToString().ToLowerInvariant()})");
        }
    }
}
