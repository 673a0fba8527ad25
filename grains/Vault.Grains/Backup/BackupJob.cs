// The read half of a backup: walk, skip unchanged files, read; chunking, deduplication, storage
// and the commit are the node's one ingest session (IngestSession), shared with stream backups.
//
// The walker runs ahead of the file workers only as far as the bounded file channel lets it.
// A directory's tree is finished (encoded, stored) as a continuation once its entries are done;
// the walker waits for finished subtrees when too many are outstanding, which bounds memory.
// A crash anywhere before the commit leaves no snapshot; what it stored up to its last checkpoint
// stays indexed, so the next backup of the same paths deduplicates against it (IngestSession).
using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vault.Grains.Chunks;
using Vault.Grains.FileSystem;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Telemetry;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Grains.Replication;
using Vault.Storage;

namespace Vault.Grains.Backup;

public sealed class BackupJob(
    VaultNode node,
    IngestPath ingest,
    TreeStore trees,
    IGrainFactory grains,
    JobRecord record,
    BackupRequest request,
    SnapshotInfo? parent,
    ILogger logger)
{
    private const int MaxOutstandingDirectories = 512;
    private const int ReadersPerWorker = 4;
    private readonly Excludes _excludes = new(request.Excludes);
    private readonly DataDirectoryGuard _dataDir = new(node.DataDir);
    private readonly Channel<FileWork> _files = Channel.CreateBounded<FileWork>(new BoundedChannelOptions(64) { SingleWriter = true });
    private long _directories;
    private int _outstanding;
    private readonly SemaphoreSlim _largeFiles = new(node.Workers);
    private IngestSession _session = null!;

    public async Task RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var paths = NormalizePaths(request.Paths);
        var id = record.Snapshot ?? SnapshotId.New();
        record.Snapshot = id;
        var snapshot = grains.GetGrain<ISnapshotGrain>(id.Value);
        // The session's lease is held from before the first index lookup to the commit: GC keeps what this backup may reuse.
        await using var session = await ingest.BeginAsync(record, paths, ct);
        _session = session;
        var emptyStats = new SnapshotStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        var pending = new SnapshotInfo(id, node.NodeId, node.Hostname, paths, request.Tags, DateTimeOffset.UtcNow, parent?.Id, default, emptyStats, SnapshotState.Pending, false);
        await snapshot.BeginAsync(pending);

        var token = session.Token;
        // Readers mostly wait (disk, index lookups); several per core keep small files flowing.
        // Large files take a slot of their own, so their 16 MiB buffers stay few.
        var workers = Enumerable.Range(0, node.Workers * ReadersPerWorker).Select(_ => Task.Run(() => FileWorkerAsync(token), token)).ToArray();
        ChunkId root;
        try
        {
            var rootTask = await WalkVirtualAsync(PathTrie.Build(paths), parent?.Root, token);
            record.TotalsKnown();
            _files.Writer.TryComplete();
            root = await rootTask;
            await Task.WhenAll(workers);
            await session.FlushAsync();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && session.Failure is { } failure)
        {
            // The pipeline stopped everything because a stage failed (e.g. no write quorum): report that.
            _files.Writer.TryComplete();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        catch
        {
            _files.Writer.TryComplete();
            throw;
        }

        var p = record.Progress();
        var stats = new SnapshotStats(p.FilesDone, _directories, p.FilesUnchanged, p.BytesTotal, p.BytesNew, p.BytesStored, p.ChunksNew, p.ChunksDeduplicated, p.Errors, clock.Elapsed.TotalSeconds);
        await session.CommitAsync(pending with { Root = root, Stats = stats, Incomplete = p.Errors > 0 });
        logger.BackupCommitted(id, string.Join(", ", paths), p.FilesDone, p.BytesNew, p.BytesStored, clock.Elapsed.TotalSeconds);
    }

    public static IReadOnlyList<string> NormalizePaths(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0)
        {
            throw new InvalidRequestException("backup needs at least one path");
        }

        var full = new List<string>();
        foreach (var p in paths)
        {
            if (string.IsNullOrWhiteSpace(p) || !Path.IsPathRooted(p) || p.Contains('\0'))
            {
                throw new InvalidRequestException($"backup path '{p}' must be an absolute path on the node");
            }

            var f = Path.GetFullPath(p);
            if (f.Length > 1)
            {
                f = f.TrimEnd('/');
            }

            full.Add(f);
        }

        // A path inside another one is already covered by it. Sorted with '/' below every other character,
        // a path's descendants directly follow it, so comparing with the last kept path is enough: linear
        // after the sort (the pairwise check this replaces held a core for minutes at 100,000 paths).
        full.Sort(ComparePathsComponentwise);
        var result = new List<string>();
        foreach (var f in full)
        {
            if (result.Count == 0 || !SnapshotPaths.IsAtOrBelow(f, result[^1]))
            {
                result.Add(f);
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static int ComparePathsComponentwise(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            var x = a[i] == '/' ? '\0' : a[i];
            var y = b[i] == '/' ? '\0' : b[i];
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    /// <summary>The directories above the backup paths: their own metadata, but only the children on the way.</summary>
    private async Task<Task<ChunkId>> WalkVirtualAsync(PathTrie trie, ChunkId? parentTree, CancellationToken ct)
    {
        if (trie.IsTarget)
        {
            return await WalkDirectoryAsync(trie.FullPath, parentTree, ct);
        }

        var previous = await LoadParentAsync(parentTree, ct);
        var entries = new List<Pending>();
        foreach (var child in trie.Children.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            FileStat stat;
            try
            {
                stat = Native.Stat(child.FullPath);
            }
            catch (IOException e)
            {
                record.Warn($"{child.FullPath}: {e.Message}");
                continue;
            }

            previous.TryGetValue(child.Name, out var old);
            if (!child.IsTarget && stat.Kind == FileKind.Directory)
            {
                entries.Add(new Pending(child.Name, stat, null, await WalkVirtualAsync(child, old?.Subtree, ct), null));
            }
            else if (await EntryAsync(child.FullPath, child.Name, stat, old, ct) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return FinishDirectoryAsync(entries);
    }

    private async Task<Task<ChunkId>> WalkDirectoryAsync(string path, ChunkId? parentTree, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var previous = await LoadParentAsync(parentTree, ct);
        var entries = new List<Pending>();
        string[] names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            record.Warn($"{path}: cannot list directory: {e.Message}");
            return FinishDirectoryAsync(entries);
        }

        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            var full = path == "/" ? "/" + name : path + "/" + name;
            if (_excludes.IsExcluded(full, name))
            {
                continue;
            }

            FileStat stat;
            try
            {
                stat = Native.Stat(full);
            }
            catch (IOException e)
            {
                record.Warn($"{full}: {e.Message}");
                continue;
            }

            if (_dataDir.IsDataDirectory(full, stat))
            {
                continue;
            }

            previous.TryGetValue(name, out var old);
            if (await EntryAsync(full, name, stat, old, ct) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return FinishDirectoryAsync(entries);
    }

    private async Task<Pending?> EntryAsync(string full, string name, FileStat stat, TreeNode? old, CancellationToken ct)
    {
        switch (stat.Kind)
        {
            case FileKind.Directory:
                var subtree = await WalkDirectoryAsync(full, old is { Type: NodeType.Directory } ? old.Subtree : null, ct);
                if (Volatile.Read(ref _outstanding) > MaxOutstandingDirectories)
                {
                    // The subtree is fully walked: finishing it depends only on queued work.
                    await subtree;
                }

                return new Pending(name, stat, null, subtree, null);

            case FileKind.Symlink:
                try
                {
                    var target = new FileInfo(full).LinkTarget ?? throw new IOException("not a symbolic link any more");
                    return new Pending(name, stat, null, null, target);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    record.Warn($"{full}: cannot read link: {e.Message}");
                    return null;
                }

            case FileKind.File:
                record.AddFilesTotal(1, stat.Size);
                if (!request.Force && old is { Type: NodeType.File } && Unchanged(old, stat))
                {
                    record.FileDone(stat.Size, unchanged: true);
                    return new Pending(name, stat, Task.FromResult<FileResult?>(new FileResult(old.Content, stat)), null, null);
                }

                var work = new FileWork(full, stat);
                await _files.Writer.WriteAsync(work, ct);
                return new Pending(name, stat, work.Done.Task, null, null);

            default:
                // Devices, sockets and FIFOs hold no data to back up.
                return null;
        }
    }

    private static TreeNode FromStat(string name, NodeType type, FileStat stat) => new()
    {
        Name = name,
        Type = type,
        Mode = stat.Mode,
        Uid = stat.Uid,
        Gid = stat.Gid,
        MTimeNs = stat.MTimeNs,
        CTimeNs = stat.CTimeNs,
        Size = stat.Size,
        Inode = stat.Inode,
        Device = stat.Device,
    };

    private static bool Unchanged(TreeNode old, FileStat stat) =>
        old.Size == stat.Size && old.MTimeNs == stat.MTimeNs && old.CTimeNs == stat.CTimeNs && old.Inode == stat.Inode;

    private async Task<Dictionary<string, TreeNode>> LoadParentAsync(ChunkId? tree, CancellationToken ct)
    {
        if (tree is not { } id || request.Force)
        {
            return [];
        }

        try
        {
            return (await trees.LoadAsync(id, ct)).ToDictionary(n => n.Name, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is VaultException or StorageException)
        {
            // A damaged parent only costs speed: every file is read again.
            logger.ParentTreeUnusable(id, e.Message);
            return [];
        }
    }

    private Task<ChunkId> FinishDirectoryAsync(List<Pending> entries)
    {
        Interlocked.Increment(ref _outstanding);
        return FinishAsync();

        async Task<ChunkId> FinishAsync()
        {
            try
            {
                var nodes = new List<TreeNode>(entries.Count);
                foreach (var e in entries)
                {
                    if (e.Content is not null)
                    {
                        if (await e.Content is not { } file)
                        {
                            continue; // unreadable: already reported
                        }

                        // What was read, with the metadata seen when the file was opened.
                        nodes.Add(FromStat(e.Name, NodeType.File, file.Stat) with { Content = file.Content });
                    }
                    else if (e.Subtree is not null)
                    {
                        nodes.Add(FromStat(e.Name, NodeType.Directory, e.Stat) with { Size = 0, Subtree = await e.Subtree });
                    }
                    else
                    {
                        nodes.Add(FromStat(e.Name, NodeType.Symlink, e.Stat) with { LinkTarget = e.LinkTarget });
                    }
                }

                var id = await _session.StoreTreeAsync(nodes);
                Interlocked.Increment(ref _directories);
                return id;
            }
            finally
            {
                Interlocked.Decrement(ref _outstanding);
            }
        }
    }

    private async Task FileWorkerAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in _files.Reader.ReadAllAsync(ct))
            {
                try
                {
                    work.Done.TrySetResult(await BackupFileAsync(work, ct));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    record.Warn($"{work.Path}: cannot read: {e.Message}");
                    record.FileDone(0, unchanged: false);
                    work.Done.TrySetResult(null);
                }
                catch (Exception e)
                {
                    // Stop every stage (the walker may be waiting on the full file channel): the job ends with this cause.
                    work.Done.TrySetException(e);
                    _session.Fail(e);
                    throw;
                }
            }
        }
        finally
        {
            // Fail anything still queued so that no directory waits forever.
            while (_files.Reader.TryRead(out var left))
            {
                left.Done.TrySetCanceled(ct.IsCancellationRequested ? ct : new CancellationToken(true));
            }
        }
    }

    private async Task<FileResult> BackupFileAsync(FileWork work, CancellationToken ct)
    {
        var max = node.Config.Chunker.MaxSize;
        node.BeforeOpen?.Invoke(work.Path);
        using var handle = SnapshotFileOpener.OpenRead(work.Path, work.Stat);
        var before = Native.Stat(handle, work.Path);
        // Reads stop at the size seen here, so a buffer one byte larger holds a small file whole;
        // a large one streams through twice the largest chunk.
        var large = before.Size >= max;
        if (large)
        {
            await _largeFiles.WaitAsync(ct);
        }

        var buffer = Buffers.Pool.Rent(large ? 2 * max : (int)before.Size + 1);
        try
        {
            return await ReadFileAsync(work, handle, before, buffer, ct);
        }
        finally
        {
            Buffers.Pool.Return(buffer);
            if (large)
            {
                _largeFiles.Release();
            }
        }
    }

    private async Task<FileResult> ReadFileAsync(FileWork work, Microsoft.Win32.SafeHandles.SafeFileHandle handle, FileStat before, byte[] buffer, CancellationToken ct)
    {
        var ids = new List<ChunkId>();
        var window = new ChunkWindow(buffer);
        long offset = 0;
        var eof = false;
        while (true)
        {
            while (!eof && window.Free.Length > 0)
            {
                // Read no further than the size at open: a file that keeps growing (a busy log)
                // must not keep the backup reading forever. Growth is reported below.
                var want = (int)Math.Min(window.Free.Length, before.Size - offset);
                var n = want <= 0 ? 0 : await RandomAccess.ReadAsync(handle, window.Free[..want], offset, ct);
                if (n == 0)
                {
                    eof = true;
                    break;
                }

                offset += n;
                window.Advance(n);
                record.BytesRead(n);
            }

            await _session.CutAsync(window, eof, ids);
            if (eof && window.Pending == 0)
            {
                break;
            }
        }

        var after = Native.Stat(handle, work.Path);
        if (after.MTimeNs != before.MTimeNs || after.Size != before.Size || after.CTimeNs != before.CTimeNs || offset != before.Size)
        {
            record.Warn($"{work.Path}: changed while being read (size {before.Size} → {after.Size}, read {offset} bytes); the snapshot holds what was read");
        }

        record.FileDone(0, unchanged: false);
        // The tree records what was read: its size, and the metadata seen when the file was
        // opened (so a file that changed while read is read again next time).
        return new FileResult(ids, before with { Size = offset });
    }

    private sealed class FileWork(string path, FileStat stat)
    {
        public string Path { get; } = path;

        public FileStat Stat { get; } = stat;

        public TaskCompletionSource<FileResult?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Pending(string Name, FileStat Stat, Task<FileResult?>? Content, Task<ChunkId>? Subtree, string? LinkTarget);

    private sealed record FileResult(IReadOnlyList<ChunkId> Content, FileStat Stat);

    /// <summary>The backup paths as a tree of path components from "/".</summary>
    private sealed class PathTrie(string name, string fullPath)
    {
        public string Name { get; } = name;

        public string FullPath { get; } = fullPath;

        public bool IsTarget { get; private set; }

        public Dictionary<string, PathTrie> Children { get; } = new(StringComparer.Ordinal);

        public static PathTrie Build(IEnumerable<string> paths)
        {
            var root = new PathTrie("", "/");
            foreach (var p in paths)
            {
                var node = root;
                foreach (var part in p.Split('/', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!node.Children.TryGetValue(part, out var next))
                    {
                        next = new PathTrie(part, node.FullPath == "/" ? "/" + part : node.FullPath + "/" + part);
                        node.Children[part] = next;
                    }

                    node = next;
                }

                node.IsTarget = true;
            }

            return root;
        }
    }
}
