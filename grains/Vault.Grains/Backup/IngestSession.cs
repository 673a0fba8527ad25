// One backup's write path, the same for file backups and streams:
//
//   chunk (ChunkWindow) ─▶ claim (one batched index lookup per cut) ─▶ submit ─▶ compress ─▶ seal
//     ─▶ store on the write quorum (PackReplicator) ─▶ index ─▶ checkpoint ─▶ commit under the GC lease
//
// The replicator is always there: embedded and cluster mode differ only in the placement it
// computes (the local disk, or the R owners by rendezvous hashing). Buffers come from the node's
// bounded pool. The lease is taken before the first index lookup and held to the commit, so GC
// keeps everything this backup deduplicated against.
//
// What a crash leaves behind: before the first checkpoint, orphan packs (garbage for GC) and no
// snapshot; after one, the checkpointed packs and their persisted index entries, kept by GC for
// Vault:Gc:CheckpointKeepSeconds so the next backup of the same data deduplicates against them;
// during the commit, a recorded intent that RetentionGrain finishes (see RetentionGrain.Commit.cs).
using Vault.Chunks;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Replication;
using Vault.Grains.Retention;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Backup;

public sealed class IngestSession : IAsyncDisposable
{
    private readonly VaultNode _node;
    private readonly JobRecord _record;
    private readonly BackupLeaseHandle _lease;
    private readonly BlobPipeline _pipeline;
    private readonly Chunker _chunker;
    private readonly CommitFaults _faults;
    private readonly IReadOnlyList<string> _paths;
    private readonly PackReplicator _replicator;

    private IngestSession(VaultNode node, ChunkIndex index, PackReplicator replicator, JobRecord record, BackupLeaseHandle lease, IReadOnlyList<string> paths, CommitFaults faults, IngestSettings settings, TimeProvider time, CancellationToken ct)
    {
        _node = node;
        _record = record;
        _lease = lease;
        _paths = paths;
        _faults = faults;
        _replicator = replicator;
        _chunker = new Chunker(node.Config.Chunker, node.Keys.GearTable);
        _pipeline = new BlobPipeline(node, index.BeginSession(), replicator, record, faults, settings, time, CheckpointAsync, ct);
    }

    /// <summary>Cancelled when the job is cancelled or any stage failed: every wait of the caller should observe it.</summary>
    public CancellationToken Token => _pipeline.Token;

    /// <summary>The first failing stage's error; the cause when <see cref="Token"/> was cancelled by the pipeline.</summary>
    public Exception? Failure => _pipeline.Failure;

    /// <summary>Stops every stage because a stage feeding the session (a file reader) failed with <paramref name="e"/>.</summary>
    public void Fail(Exception e) => _pipeline.Fail(e);

    /// <summary>Checkpoints taken so far.</summary>
    public int Checkpoints => _pipeline.Checkpoints;

    /// <summary>Twice the largest chunk: the window a file or stream is cut through.</summary>
    public int WindowSize => 2 * _node.Config.Chunker.MaxSize;

    internal static async Task<IngestSession> BeginAsync(
        VaultNode node,
        ChunkIndex index,
        PackReplicator replicator,
        IGrainFactory grains,
        JobRecord record,
        IReadOnlyList<string> paths,
        CommitFaults faults,
        IngestSettings settings,
        TimeProvider time,
        CancellationToken ct)
    {
        var id = record.Snapshot ?? throw new InvalidOperationException("an ingest session needs the job's snapshot id");
        var lease = await BackupLeaseHandle.AcquireAsync(grains, $"backup {id} of {string.Join(", ", paths)} on node '{node.NodeId}'");
        return new IngestSession(node, index, replicator, record, lease, paths, faults, settings, time, ct);
    }

    /// <summary>
    /// Cuts every chunk the window holds whole (all of it at <paramref name="eof"/>), appends their
    /// ids to <paramref name="ids"/>, and submits the ones new to the repository. One index lookup
    /// per call, whatever the number of chunks.
    /// </summary>
    public async Task CutAsync(ChunkWindow window, bool eof, List<ChunkId> ids)
    {
        var buffer = window.Buffer;
        var max = _node.Config.Chunker.MaxSize;
        List<(int Start, int Length, ChunkId Id)>? cuts = null;
        while (window.Pending > 0 && (eof || window.Pending >= max))
        {
            var available = window.Pending;
            var length = _chunker.NextBoundary(buffer.AsSpan(window.Start, Math.Min(available, max)), eof && available <= max);
            (cuts ??= []).Add((window.Start, length, _node.Keys.ComputeId(buffer.AsSpan(window.Start, length))));
            window.Start += length;
        }

        if (cuts is not null)
        {
            var fresh = await _pipeline.ClaimNewAsync(cuts.Select(c => c.Id).ToArray());
            for (var i = 0; i < cuts.Count; i++)
            {
                var (start, length, id) = cuts[i];
                ids.Add(id);
                if (!fresh[i])
                {
                    _record.ChunkDeduplicated(length);
                    continue;
                }

                var copy = Buffers.Pool.Rent(length);
                buffer.AsSpan(start, length).CopyTo(copy);
                _record.ChunkNew(length);
                await _pipeline.SubmitAsync(id, BlobKind.Data, copy, length);
            }
        }

        window.Compact();
    }

    /// <summary>Encodes and stores one directory tree (if new); returns its id.</summary>
    public async Task<ChunkId> StoreTreeAsync(IReadOnlyList<TreeNode> nodes)
    {
        var bytes = TreeCodec.Encode(nodes);
        var id = _node.Keys.ComputeId(bytes);
        await _pipeline.StoreIfNewAsync(id, BlobKind.Tree, bytes);
        return id;
    }

    /// <summary>Waits until every submitted blob is durable on the write quorum and indexed, and the index entries are persisted.</summary>
    public async Task FlushAsync()
    {
        await _pipeline.CompleteAsync();
        _faults.At(CommitStep.IndexFlushed);
    }

    /// <summary>Commits the snapshot under the lease (idempotent end to end: see RetentionGrain). Call after <see cref="FlushAsync"/>.</summary>
    public async Task<SnapshotInfo> CommitAsync(SnapshotInfo snapshot)
    {
        var committed = snapshot with { State = SnapshotState.Committed };
        await _lease.CommitAsync(committed);
        await _replicator.Offsite.SnapshotCommittedAsync(committed, required: false, CancellationToken.None);
        return committed;
    }

    public async ValueTask DisposeAsync()
    {
        await _pipeline.DisposeAsync();
        await _lease.DisposeAsync();
    }

    private Task CheckpointAsync(IReadOnlyList<PackId> packs) =>
        _lease.CheckpointAsync(new BackupCheckpoint(_node.NodeId, _paths, packs));
}
