// The write half of a backup: new blobs in, durable indexed packs out.
//
//   SubmitAsync ─▶ [plain] ─▶ compress × workers ─▶ [compressed] ─▶ pack (encrypt, seal)
//                                                   ─▶ [sealed] ─▶ store (write quorum) ─▶ index add ─▶ checkpoint
//
// Fail fast: the first stage that fails records its cause in Failure and cancels the shared token;
// every wait (a producer on a full channel, a consumer on an empty one) observes that token, so no
// stage is left blocked behind a dead one. Only IngestSession builds a pipeline.
//
// Every channel is bounded, so memory stays flat whatever the data size: at most a few blobs
// per stage (≤ 8 MiB each) and two open packs. A blob is "claimed" by the pipeline before it is
// submitted; claims are released once the blob's pack is durable and indexed, after which an
// index lookup finds it. So a concurrent lookup always sees a chunk as pending or as indexed.
using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Vault.Chunks;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Telemetry;
using Vault.Grains.Replication;
using Vault.Storage;

namespace Vault.Grains.Backup;

public sealed class BlobPipeline : IAsyncDisposable
{
    private readonly VaultNode _node;
    private readonly IndexSession _index;
    private readonly PackReplicator _replicator;
    private readonly JobRecord _record;
    private readonly CommitFaults _faults;
    private readonly IngestSettings _settings;
    private readonly TimeProvider _time;
    private readonly Func<IReadOnlyList<PackId>, Task> _checkpoint;
    private readonly List<PackId> _sinceCheckpoint = [];
    private long _bytesSinceCheckpoint;
    private long _lastCheckpoint;
    private readonly CancellationTokenSource _cts;
    private readonly ConcurrentDictionary<ChunkId, byte> _claimed = new();
    private readonly Channel<PlainBlob> _plain;
    private readonly Channel<CompressedBlob> _compressed;
    private readonly Channel<SealedPack> _sealed;
    private readonly Task[] _compressors;
    private readonly Task _packer;
    private readonly Task _storer;

    internal BlobPipeline(
        VaultNode node,
        IndexSession index,
        PackReplicator replicator,
        JobRecord record,
        CommitFaults faults,
        IngestSettings settings,
        TimeProvider time,
        Func<IReadOnlyList<PackId>, Task> checkpoint,
        CancellationToken ct)
    {
        _node = node;
        _index = index;
        _replicator = replicator;
        _record = record;
        _faults = faults;
        _settings = settings;
        _time = time;
        _checkpoint = checkpoint;
        _lastCheckpoint = time.GetTimestamp();
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = node.Workers;
        _plain = Channel.CreateBounded<PlainBlob>(new BoundedChannelOptions(workers * 2) { SingleWriter = false, SingleReader = false });
        _compressed = Channel.CreateBounded<CompressedBlob>(new BoundedChannelOptions(workers * 2) { SingleReader = true });
        _sealed = Channel.CreateBounded<SealedPack>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        _compressors = Enumerable.Range(0, workers).Select(_ => Task.Run(CompressAsync)).ToArray();
        _packer = Task.Run(PackAsync);
        _storer = Task.Run(StoreAsync);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The first error of a stage (not a cancellation): the cause when the pipeline's token was cancelled.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Checkpoints taken so far.</summary>
    public int Checkpoints { get; private set; }

    /// <summary>
    /// Stops every stage because <paramref name="e"/> happened in one of them or in a stage that feeds
    /// them (a file reader): recorded as the cause unless it is a cancellation.
    /// </summary>
    public void Fail(Exception e)
    {
        if (e is not OperationCanceledException)
        {
            lock (_cts)
            {
                Failure ??= e;
            }
        }

        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// For each id: true when it is new to the repository and now claimed by this pipeline (the
    /// caller must submit it); false when it is stored already or claimed by an earlier call.
    /// </summary>
    public async Task<bool[]> ClaimNewAsync(IReadOnlyList<ChunkId> ids)
    {
        var result = new bool[ids.Count];
        var unknown = new List<int>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!_claimed.ContainsKey(ids[i]))
            {
                unknown.Add(i);
            }
        }

        if (unknown.Count > 0)
        {
            var found = await _index.LookupAsync(unknown.Select(i => ids[i]).ToArray());
            for (var k = 0; k < unknown.Count; k++)
            {
                var i = unknown[k];
                result[i] = found[k] is null && _claimed.TryAdd(ids[i], 0);
            }
        }

        return result;
    }

    /// <summary>Hands a claimed blob to the pipeline; the pipeline returns <paramref name="pooled"/> to the pool.</summary>
    public async ValueTask SubmitAsync(ChunkId id, BlobKind kind, byte[] pooled, int length)
    {
        try
        {
            await _plain.Writer.WriteAsync(new PlainBlob(id, kind, pooled, length), _cts.Token);
        }
        catch
        {
            Buffers.Pool.Return(pooled);
            throw;
        }
    }

    /// <summary>Stores one blob if it is new (claims and submits a copy). Used for trees.</summary>
    public async Task StoreIfNewAsync(ChunkId id, BlobKind kind, ReadOnlyMemory<byte> bytes)
    {
        if (!(await ClaimNewAsync([id]))[0])
        {
            return;
        }

        var copy = Buffers.Pool.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(copy);
        _record.ChunkNew(bytes.Length);
        await SubmitAsync(id, kind, copy, bytes.Length);
    }

    /// <summary>Flushes everything: on return every submitted blob is durable, and every index entry the blobs rely on is saved.</summary>
    public async Task CompleteAsync()
    {
        _plain.Writer.TryComplete();
        await AwaitStagesAsync();
        await _index.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _plain.Writer.TryComplete();
        await _cts.CancelAsync();
        try
        {
            await AwaitStagesAsync();
        }
        catch
        {
            // The job reports the first failure; here we only make sure every stage has stopped.
        }

        while (_plain.Reader.TryRead(out var p))
        {
            Buffers.Pool.Return(p.Buffer);
        }

        while (_compressed.Reader.TryRead(out var c))
        {
            Buffers.Pool.Return(c.Buffer);
        }

        while (_sealed.Reader.TryRead(out var s))
        {
            s.Dispose();
        }

        _cts.Dispose();
    }

    private async Task AwaitStagesAsync()
    {
        try
        {
            await Task.WhenAll(_compressors);
            _compressed.Writer.TryComplete();
            await _packer;
            await _storer;
        }
        catch
        {
            _compressed.Writer.TryComplete();
            _sealed.Writer.TryComplete();
            throw;
        }
    }

    private async Task CompressAsync()
    {
        try
        {
            using var compressor = new ChunkCompressor(_node.Config.CompressionLevel);
            await foreach (var blob in _plain.Reader.ReadAllAsync(_cts.Token))
            {
                byte[] output;
                (CompressionMode Mode, int Length) r;
                try
                {
                    output = Buffers.Pool.Rent(ChunkCompressor.MaxCompressedSize(blob.Length));
                    r = compressor.Compress(blob.Buffer.AsSpan(0, blob.Length), output);
                }
                finally
                {
                    Buffers.Pool.Return(blob.Buffer);
                }

                await _compressed.Writer.WriteAsync(new CompressedBlob(blob.Id, blob.Kind, r.Mode, output, r.Length, blob.Length), _cts.Token);
            }
        }
        catch (Exception e)
        {
            await FailAsync(e);
            throw;
        }
    }

    private async Task FailAsync(Exception e)
    {
        if (e is not OperationCanceledException)
        {
            lock (_cts)
            {
                Failure ??= e;
            }
        }

        await _cts.CancelAsync();
    }

    private async Task PackAsync()
    {
        // Trees get packs of their own so that listing and restore planning touch few packs.
        var writers = new PackWriter?[2];
        try
        {
            await foreach (var blob in _compressed.Reader.ReadAllAsync(_cts.Token))
            {
                try
                {
                    var slot = blob.Kind == BlobKind.Tree ? 1 : 0;
                    var writer = writers[slot] ??= new PackWriter(_node.Keys, _node.Config.PackSize, Buffers.Pool);
                    writer.Add(blob.Id, blob.Kind, blob.Mode, blob.Buffer.AsSpan(0, blob.Length), blob.RawLength);
                    if (writer.IsFull)
                    {
                        var sealedPack = writer.Seal();
                        writer.Dispose();
                        writers[slot] = null;
                        await _sealed.Writer.WriteAsync(sealedPack, _cts.Token);
                    }
                }
                finally
                {
                    Buffers.Pool.Return(blob.Buffer);
                }
            }

            for (var slot = 0; slot < writers.Length; slot++)
            {
                if (writers[slot] is { Count: > 0 } w)
                {
                    var sealedPack = w.Seal();
                    w.Dispose();
                    writers[slot] = null;
                    await _sealed.Writer.WriteAsync(sealedPack, _cts.Token);
                }
            }

            _sealed.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _sealed.Writer.TryComplete(e);
            await FailAsync(e);
            throw;
        }
        finally
        {
            foreach (var w in writers)
            {
                w?.Dispose();
            }
        }
    }

    private async Task StoreAsync()
    {
        try
        {
            await foreach (var pack in _sealed.Reader.ReadAllAsync(_cts.Token))
            {
                using (pack)
                using (var activity = VaultTracing.Source.StartActivity("vault.pack.store"))
                {
                    activity?.SetTag("vault.pack", pack.Id.ToString()).SetTag("vault.pack.bytes", pack.Bytes.Length).SetTag("vault.pack.blobs", pack.Entries.Count);
                    // Durable on the write quorum (embedded: the local disk) before it is indexed.
                    await _replicator.StoreAsync(pack.Id, pack.Bytes, _cts.Token);
                    _faults.At(CommitStep.PackStored);

                    var entries = new IndexEntry[pack.Entries.Count];
                    for (var i = 0; i < entries.Length; i++)
                    {
                        var e = pack.Entries[i];
                        entries[i] = new IndexEntry(e.Id, ChunkLocation.From(pack.Id, e));
                    }

                    await _index.AddAsync(entries);
                    foreach (var e in entries)
                    {
                        _claimed.TryRemove(e.Id, out _);
                    }

                    _record.Stored(pack.Bytes.Length);
                    _sinceCheckpoint.Add(pack.Id);
                    _bytesSinceCheckpoint += pack.Bytes.Length;
                    if (_bytesSinceCheckpoint >= _settings.CheckpointBytes || _time.GetElapsedTime(_lastCheckpoint) >= _settings.CheckpointInterval)
                    {
                        await CheckpointAsync();
                    }
                }
            }
        }
        catch (Exception e)
        {
            await FailAsync(e);
            throw;
        }
    }

    /// <summary>Persists the index entries of every pack stored so far, then records those packs under the lease.</summary>
    private async Task CheckpointAsync()
    {
        await _index.FlushAsync();
        await _checkpoint(_sinceCheckpoint.ToArray());
        _sinceCheckpoint.Clear();
        _bytesSinceCheckpoint = 0;
        _lastCheckpoint = _time.GetTimestamp();
        Checkpoints++;
    }

    private readonly record struct PlainBlob(ChunkId Id, BlobKind Kind, byte[] Buffer, int Length);

    private readonly record struct CompressedBlob(ChunkId Id, BlobKind Kind, CompressionMode Mode, byte[] Buffer, int Length, int RawLength);
}
