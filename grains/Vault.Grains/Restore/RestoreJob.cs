// Restore: walk the snapshot's trees, create directories, files and symlinks under the target,
// then fill files in batches: look the batch's chunks up, group them by pack, read each pack
// once (hash verified), decode (GCM tag and chunk id verified) and write at the right offsets,
// packs in parallel. Metadata (mode, owner, times) is applied once a file or directory is
// complete, directories last. Names come only from validated trees, and every file operation goes
// through a ConfinedDirectory: each path is walked component by component from the target with
// O_NOFOLLOW, and a file is reopened only if it is still the one created, so nothing is written
// outside the target or through a symlink, even one swapped in while the restore runs.
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vault.Grains.Chunks;
using Vault.Grains.FileSystem;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Telemetry;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Restore;

public sealed class RestoreJob(
    VaultNode node,
    ChunkIndex index,
    TreeStore trees,
    PackReader packs,
    JobRecord record,
    RestoreRequest request,
    SnapshotInfo snapshot,
    ILogger logger,
    RestoreLimits? limits = null)
{
    private readonly long _batchBytes = (limits ?? RestoreLimits.Default).BatchBytes;
    private readonly int _batchChunks = (limits ?? RestoreLimits.Default).BatchChunks;
    private readonly bool _root = Native.IsRoot;
    private string _target = "";
    private IReadOnlyList<string> _includes = [];
    private Batch _batch = new();
    private ConfinedDirectory _dir = null!;

    // Files created but not yet complete: removed if the restore fails, so that no file is
    // left holding zeros where verified data should be.
    private readonly ConcurrentDictionary<string, byte> _incomplete = new(StringComparer.Ordinal);

    // The walker fills batches; one writer drains them in order, so walking the next part of the
    // snapshot overlaps writing the previous one. Both are stages of one StageGroup: whichever
    // fails first cancels the other, also while it waits on this channel.
    private readonly Channel<Batch> _batches = Channel.CreateBounded<Batch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });

    public static string NormalizeTarget(string target)
    {
        if (string.IsNullOrWhiteSpace(target) || !Path.IsPathRooted(target) || target.Contains('\0'))
        {
            throw new InvalidRequestException($"restore target '{target}' must be an absolute path on the node");
        }

        var full = Path.GetFullPath(target);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        _target = NormalizeTarget(request.Target);
        _includes = request.Includes.Select(i => "/" + string.Join('/', SnapshotPaths.Split(i.Length > 0 && i[0] == '/' ? i : "/" + i))).ToArray();
        if (_includes.Count == 0)
        {
            record.AddFilesTotal(snapshot.Stats.Files, snapshot.Stats.BytesTotal);
            record.TotalsKnown();
        }

        if (File.Exists(_target) || Native.TryStat(_target) is { Kind: FileKind.Symlink })
        {
            throw new InvalidRequestException($"restore target {_target} exists and is not a directory");
        }

        try
        {
            _dir = ConfinedDirectory.Create(_target, node.RestoreRoots);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"restore target {_target}: {e.Message}");
        }

        using var confined = _dir;
        using var stages = new StageGroup(ct);
        stages.Start(WriteBatchesAsync);
        stages.Start(async token =>
        {
            try
            {
                await RestoreDirectoryAsync(snapshot.Root, "/", _target, null, token);
                await FlushAsync(token);
            }
            finally
            {
                _batches.Writer.TryComplete();
            }
        });
        try
        {
            // Returns once both stages have stopped (nothing writes into the target any more) and
            // throws the first failure: the cause, not the cancellation it set off in the other stage.
            await stages.WaitAsync();
        }
        catch
        {
            foreach (var path in _incomplete.Keys)
            {
                _dir.Delete(path);
            }

            throw;
        }

        if (_includes.Count > 0)
        {
            record.TotalsKnown();
        }

        logger.RestoreDone(snapshot.Id, _target, record.Progress().FilesDone, record.Progress().BytesDone);
    }

    private bool Wanted(string snapshotPath, out bool wholeSubtree)
    {
        wholeSubtree = _includes.Count == 0 || _includes.Any(i => SnapshotPaths.IsAtOrBelow(snapshotPath, i));
        return wholeSubtree || _includes.Any(i => SnapshotPaths.IsAtOrBelow(i, snapshotPath));
    }

    private async Task RestoreDirectoryAsync(ChunkId tree, string snapshotPath, string fsPath, TreeNode? self, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var nodes = await trees.LoadAsync(tree, ct);
        foreach (var n in nodes)
        {
            var childSnapshotPath = SnapshotPaths.Join(snapshotPath, n.Name);
            if (!Wanted(childSnapshotPath, out var whole))
            {
                continue;
            }

            // Names were validated when the tree was decoded: no separators, no "." or "..".
            var childPath = Path.Join(fsPath, n.Name);
            var existing = _dir.TryStat(childPath);
            switch (n.Type)
            {
                case NodeType.Directory:
                    if (existing is { Kind: not FileKind.Directory } other)
                    {
                        Refuse(childPath, $"exists as a {other.Kind.ToString().ToLowerInvariant()}, not a directory");
                        continue;
                    }

                    _dir.CreateDirectory(childPath);
                    await RestoreDirectoryAsync(n.Subtree ?? throw new InvalidTreeException($"directory {childSnapshotPath} has no subtree"), childSnapshotPath, childPath, n, ct);
                    break;

                case NodeType.Symlink when whole:
                    if (existing is { Kind: FileKind.Symlink })
                    {
                        _dir.Delete(childPath);
                    }
                    else if (existing is not null)
                    {
                        Refuse(childPath, "exists and is not a symlink");
                        continue;
                    }

                    _dir.CreateSymlink(childPath, n.LinkTarget ?? "");
                    ApplyMetadata(childPath, n, symlink: true);
                    break;

                case NodeType.File when whole:
                    if (existing is { Kind: FileKind.File })
                    {
                        // Never write into an existing file: it may be a hard link to one outside the target.
                        _dir.Delete(childPath);
                    }
                    else if (existing is not null)
                    {
                        Refuse(childPath, $"exists as a {existing.Value.Kind.ToString().ToLowerInvariant()}");
                        continue;
                    }

                    await AddFileAsync(childPath, n, ct);
                    break;
            }
        }

        if (self is not null)
        {
            _batch.Directories.Add((fsPath, self));
        }
    }

    private void Refuse(string path, string why) => record.Warn($"{path}: not restored: {why}");

    private async Task AddFileAsync(string path, TreeNode n, CancellationToken ct)
    {
        if (_includes.Count > 0)
        {
            record.AddFilesTotal(1, n.Size);
        }

        FileIdentity identity;
        using (var handle = _dir.CreateFile(path, out identity))
        {
            // SetLength, not preallocation: chunks of zeros are skipped, so sparse files stay sparse.
            RandomAccess.SetLength(handle, n.Size);
        }

        var file = new FileTarget(path, n) { Identity = identity };
        _incomplete[path] = 0;
        if (n.Content.Count == 0)
        {
            _batch.Completed.Add(file);
            return;
        }

        foreach (var id in n.Content)
        {
            if (_batch.Chunks.Count >= _batchChunks || _batch.Bytes >= _batchBytes)
            {
                await FlushAsync(ct);
            }

            _batch.Chunks.Add(new ChunkWrite(file, id));
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        var batch = _batch;
        _batch = new Batch();
        await _batches.Writer.WriteAsync(batch, ct);
    }

    private async Task WriteBatchesAsync(CancellationToken ct)
    {
        await foreach (var batch in _batches.Reader.ReadAllAsync(ct))
        {
            if (batch.Chunks.Count > 0)
            {
                await WriteChunksAsync(batch, ct);
            }

            foreach (var file in batch.Completed)
            {
                ApplyMetadata(file.Path, file.Node, symlink: false);
                _incomplete.TryRemove(file.Path, out _);
                record.FileDone(0, unchanged: false);
            }

            foreach (var (path, n) in batch.Directories)
            {
                ApplyMetadata(path, n, symlink: false);
            }
        }
    }

    private async Task WriteChunksAsync(Batch batch, CancellationToken ct)
    {
        var distinct = batch.Chunks.Select(c => c.Id).Distinct().ToArray();
        var found = await index.LookupAsync(distinct);
        var locations = new Dictionary<ChunkId, ChunkLocation>(distinct.Length);
        for (var i = 0; i < distinct.Length; i++)
        {
            locations[distinct[i]] = found[i] ?? throw new CorruptDataException($"chunk {distinct[i]} is missing from the index", chunk: distinct[i]);
        }

        // A file's chunks arrive in order, batch after batch: its running offset places each one.
        var placed = new List<(FileTarget File, long Offset, ChunkId Id)>(batch.Chunks.Count);
        foreach (var c in batch.Chunks)
        {
            placed.Add((c.File, c.File.NextOffset, c.Id));
            c.File.NextOffset += locations[c.Id].RawLength;
            if (++c.File.ChunksPlaced == c.File.Node.Content.Count)
            {
                batch.Completed.Add(c.File);
            }
        }

        var byPack = placed.GroupBy(c => locations[c.Id].Pack).ToArray();
        await Parallel.ForEachAsync(byPack, new ParallelOptions { MaxDegreeOfParallelism = node.Workers, CancellationToken = ct }, async (group, token) =>
        {
            using var lease = await ReadPackAsync(group.Key, group.First(), token);
            var view = lease.View;
            foreach (var chunk in group.GroupBy(c => c.Id))
            {
                var location = locations[chunk.Key];
                var buffer = Buffers.Pool.Rent((int)Math.Max(1, location.RawLength));
                try
                {
                    var length = view.Decode(location.ToEntry(chunk.Key), buffer);
                    var data = buffer.AsMemory(0, length);
                    var zero = !data.Span.ContainsAnyExcept((byte)0);
                    foreach (var write in chunk)
                    {
                        if (!zero)
                        {
                            using var handle = _dir.OpenFile(write.File.Path, write.File.Identity);
                            await RandomAccess.WriteAsync(handle, data, write.Offset, token);
                        }

                        record.BytesRead(length);
                    }
                }
                finally
                {
                    Buffers.Pool.Return(buffer);
                }
            }
        });
    }

    /// <summary>Reads a whole pack (hash verified); a damaged one fails naming the pack and a chunk and file that need it.</summary>
    private async Task<PackLease> ReadPackAsync(PackId pack, (FileTarget File, long Offset, ChunkId Id) first, CancellationToken ct)
    {
        try
        {
            return await packs.ReadPackAsync(pack, ct);
        }
        catch (CorruptDataException e)
        {
            throw new CorruptDataException($"chunk {first.Id} of {first.File.Path} cannot be read: {e.Message}", e.Pack ?? pack, e.Chunk ?? first.Id, e);
        }
    }

    private void ApplyMetadata(string path, TreeNode n, bool symlink)
    {
        try
        {
            _dir.SetMetadata(path, symlink, _root ? n.Uid : null, _root ? n.Gid : null, n.Mode, n.MTimeNs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            record.Warn($"{path}: metadata not restored: {e.Message}");
        }
    }

    /// <summary>A file being restored; its chunks may span several batches.</summary>
    private sealed class FileTarget(string path, TreeNode node)
    {
        public string Path { get; } = path;

        public TreeNode Node { get; } = node;

        public long NextOffset { get; set; }

        public int ChunksPlaced { get; set; }

        /// <summary>The file as created: every later open must find this same inode.</summary>
        public FileIdentity Identity { get; init; }
    }

    private readonly record struct ChunkWrite(FileTarget File, ChunkId Id);

    /// <summary>Chunks to write, and the files and directories complete once they are written.</summary>
    private sealed class Batch
    {
        public List<ChunkWrite> Chunks { get; } = [];

        public List<FileTarget> Completed { get; } = [];

        public List<(string Path, TreeNode Node)> Directories { get; } = [];

        /// <summary>An estimate (average chunk size) that bounds the batch before locations are known.</summary>
        public long Bytes => Chunks.Count * 1024L * 1024;
    }
}
