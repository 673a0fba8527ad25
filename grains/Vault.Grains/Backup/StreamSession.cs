// A stream backup: bytes arrive in segments (grain calls) instead of being read from a file.
// The segments are chunked with the same content-defined chunker as files, across segment
// boundaries, so a stream and a file with the same bytes share every chunk. Memory is bounded
// by one chunker window (2 × max chunk) plus the BlobPipeline's bounded stages; an append
// returns only once its chunks are in the pipeline, which throttles the sender.
//
// Nothing is committed before CompleteAsync: an aborted or abandoned session leaves at most
// orphan packs (indexed, so later backups dedup against them; garbage for GC) and no snapshot.
using System.Buffers;
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
    private readonly Chunker _chunker;
    private readonly BlobPipeline _pipeline;
    private readonly Retention.BackupLeaseHandle _lease;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ChunkId> _ids = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private byte[]? _buffer;
    private int _start;
    private int _filled;
    private long _total;
    private bool _finished;

    public StreamSession(VaultNode node, ChunkIndex index, IGrainFactory grains, JobRecord record, StreamBackupRequest request, Retention.BackupLeaseHandle lease, ILogger logger)
    {
        _node = node;
        _lease = lease;
        _grains = grains;
        Record = record;
        _request = request;
        _logger = logger;
        _chunker = new Chunker(node.Config.Chunker, node.Keys.GearTable);
        _pipeline = new BlobPipeline(node, index, record, record.Cancellation.Token);
        _buffer = ArrayPool<byte>.Shared.Rent(2 * node.Config.Chunker.MaxSize);
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
            var buffer = _buffer!;
            while (data.Length > 0)
            {
                var n = Math.Min(buffer.Length - _filled, data.Length);
                data.Span[..n].CopyTo(buffer.AsSpan(_filled));
                data = data[n..];
                _filled += n;
                _total += n;
                Record.BytesRead(n);
                await CutAsync(eof: false);
            }

            Touch();
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

            await CutAsync(eof: true);
            var now = DateTimeOffset.UtcNow;
            var nowNs = now.ToUnixTimeMilliseconds() * 1_000_000;
            var file = new TreeNode { Name = _request.Name, Type = NodeType.File, Mode = 0b110_100_000, MTimeNs = nowNs, CTimeNs = nowNs, Size = _total, Content = [.. _ids] };
            var tree = TreeCodec.Encode([file]);
            var root = _node.Keys.ComputeId(tree);
            await _pipeline.StoreIfNewAsync(root, BlobKind.Tree, tree);
            await _pipeline.CompleteAsync();

            var p = Record.Progress();
            var stats = new SnapshotStats(1, 1, 0, _total, p.BytesNew, p.BytesStored, p.ChunksNew, p.ChunksDeduplicated, 0, _clock.Elapsed.TotalSeconds);
            var id = Record.Snapshot ?? SnapshotId.New();
            var snapshot = new SnapshotInfo(id, _node.NodeId, _node.Hostname, ["/" + _request.Name], _request.Tags, now, null, root, stats, SnapshotState.Pending, false);
            var grain = _grains.GetGrain<ISnapshotGrain>(id.Value);
            await grain.BeginAsync(snapshot);
            var committed = snapshot with { State = SnapshotState.Committed };
            await _lease.CommitAsync(committed);
            Record.FileDone(0, unchanged: false);
            Record.TotalsKnown();
            Record.Succeed();
            _logger.LogInformation("stream backup {Snapshot} of '{Name}' committed: {Bytes} bytes, {New} new, {Stored} stored, {Seconds:F1} s",
                id, _request.Name, _total, p.BytesNew, p.BytesStored, _clock.Elapsed.TotalSeconds);
            return committed;
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
        await _pipeline.DisposeAsync();
        await _lease.DisposeAsync();
        await _gate.WaitAsync();
        try
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
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

    /// <summary>Cuts every chunk the window allows (all of it at the end), claims and submits the new ones.</summary>
    private async Task CutAsync(bool eof)
    {
        var buffer = _buffer!;
        var max = _node.Config.Chunker.MaxSize;
        var cuts = new List<(int Start, int Length, ChunkId Id)>();
        while (_filled - _start > 0 && (eof || _filled - _start >= max))
        {
            var available = _filled - _start;
            var length = _chunker.NextBoundary(buffer.AsSpan(_start, Math.Min(available, max)), eof && available <= max);
            cuts.Add((_start, length, _node.Keys.ComputeId(buffer.AsSpan(_start, length))));
            _start += length;
        }

        if (cuts.Count > 0)
        {
            var fresh = await _pipeline.ClaimNewAsync(cuts.Select(c => c.Id).ToArray());
            for (var i = 0; i < cuts.Count; i++)
            {
                var (s, length, id) = cuts[i];
                _ids.Add(id);
                if (!fresh[i])
                {
                    Record.ChunkDeduplicated();
                    continue;
                }

                var copy = ArrayPool<byte>.Shared.Rent(length);
                buffer.AsSpan(s, length).CopyTo(copy);
                Record.ChunkNew(length);
                await _pipeline.SubmitAsync(id, BlobKind.Data, copy, length);
            }
        }

        // Keep the uncut tail at the front of the window.
        buffer.AsSpan(_start, _filled - _start).CopyTo(buffer);
        _filled -= _start;
        _start = 0;
    }
}
