using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Retention;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>A silo of its own (GC judges the whole repository): no trash delay, short leases.</summary>
public sealed class GcClusterFixture : VaultClusterFixture
{
    public static readonly RetentionSettings Settings = new()
    {
        TrashDelay = TimeSpan.Zero,
        LeaseDuration = TimeSpan.FromSeconds(8),
        LeasePollInterval = TimeSpan.FromMilliseconds(20),
    };

    protected override void Configure(ISiloBuilder silo) => silo.Services.AddSingleton(Settings);

    public IRetentionGrain Retention => Grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository);

    public ISnapshotCatalogGrain Catalog => Grains.GetGrain<ISnapshotCatalogGrain>("default");

    /// <summary>Starts a run and waits until it has ended; returns it.</summary>
    public async Task<GcRun> GcAsync(GcRequest? request = null)
    {
        var started = await Retention.StartGcAsync(request ?? new GcRequest());
        var run = started.Current!.RunId;
        return await WaitForRunAsync(run);
    }

    public async Task<GcRun> WaitForRunAsync(Guid run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var status = await Retention.GetGcStatusAsync();
            if (status.Current?.RunId != run && status.Last?.RunId == run)
            {
                return status.Last;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GC run {run} still running: {status.Current}");
            await Task.Delay(20);
        }
    }

    /// <summary>Every blob in the pack store: id → (pack, entry).</summary>
    public async Task<Dictionary<ChunkId, (PackId Pack, PackEntry Entry)>> BlobsOnDiskAsync()
    {
        var blobs = new Dictionary<ChunkId, (PackId, PackEntry)>();
        foreach (var pack in Node.Packs.Enumerate())
        {
            foreach (var e in await PackTrailer.ReadAsync(Node.Packs, Node.Keys, pack))
            {
                blobs.TryAdd(e.Id, (pack, e));
            }
        }

        return blobs;
    }

    /// <summary>The ids a snapshot uses (trees and content), found by decoding its trees from the packs on disk.</summary>
    public async Task<HashSet<ChunkId>> ReferencedAsync(IEnumerable<SnapshotInfo> snapshots)
    {
        var blobs = await BlobsOnDiskAsync();
        var used = new HashSet<ChunkId>();
        var stack = new Stack<ChunkId>(snapshots.Select(s => s.Root));
        while (stack.TryPop(out var tree))
        {
            if (!used.Add(tree))
            {
                continue;
            }

            var (pack, entry) = blobs[tree];
            using var view = new PackView(Node.Keys, pack, await Node.Packs.ReadAsync(pack));
            var plain = new byte[entry.RawLength];
            view.Decode(entry, plain);
            foreach (var node in TreeCodec.Decode(plain))
            {
                used.UnionWith(node.Content);
                if (node.Subtree is { } subtree)
                {
                    stack.Push(subtree);
                }
            }
        }

        return used;
    }

    public async Task<long> IndexCountAsync()
    {
        long total = 0;
        for (var p = 0; p < 1 << Node.Config.IndexPartitionBits; p++)
        {
            total += await Grains.GetGrain<Vault.Chunks.IChunkGrain>(p).CountAsync();
        }

        return total;
    }

    public long PackBytes() => Node.Packs.Enumerate().Sum(Node.Packs.Length);
}

[CollectionDefinition(Name)]
public sealed class GcCollection : ICollectionFixture<GcClusterFixture>
{
    public const string Name = "gc";
}

[Collection(GcCollection.Name)]
public sealed class GcTests(GcClusterFixture cluster) : IDisposable
{
    private const int HeldBytes = 3_000_000;
    private readonly string _dir = TestDirs.Create("gc");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Gc_RemovesExactlyWhatNoSnapshotReferences()
    {
        var kept = Path.Combine(_dir, "kept");
        var gone = Path.Combine(_dir, "gone");
        AwkwardTree.Create(kept, largeFileSize: 900_000, seed: 11);
        AwkwardTree.Create(gone, largeFileSize: 1_300_000, seed: 12);
        // Shared with the kept snapshot: must survive although the forgotten one used it too.
        File.Copy(Path.Combine(kept, "large.bin"), Path.Combine(gone, "shared.bin"));
        await cluster.GcAsync(); // start from a repository without garbage from other tests
        var keptJob = await cluster.BackupAsync(kept);
        var goneJob = await cluster.BackupAsync(gone);
        var all = await cluster.Catalog.ListAsync();
        var before = cluster.PackBytes();

        await cluster.Catalog.ForgetAsync(new ForgetRequest { Snapshots = [goneJob.Snapshot!.Value.ToString()] });
        var run = await cluster.GcAsync(new GcRequest { RepackThreshold = 1e-9 });

        Assert.Equal(GcOutcome.Succeeded, run.Outcome);
        Assert.True(run.PacksDeleted + run.PacksRepacked > 0, run.ToString());
        Assert.True(run.BytesFreed > 0, run.ToString());
        var remaining = await cluster.Catalog.ListAsync();
        var referenced = await cluster.ReferencedAsync(remaining);
        var onDisk = await cluster.BlobsOnDiskAsync();
        // Exactly: every blob left is used by a remaining snapshot, every used blob is there, once in the index.
        Assert.Empty(onDisk.Keys.Except(referenced));
        Assert.Empty(referenced.Except(onDisk.Keys));
        Assert.Equal(referenced.Count, await cluster.IndexCountAsync());
        Assert.True(cluster.PackBytes() < before, $"{cluster.PackBytes()} bytes of packs after GC, {before} before");
        Assert.Empty(cluster.Node.Packs.EnumerateTrash()); // trash delay 0: emptied by the run
        Assert.True(all.Count > remaining.Count);

        var target = Path.Combine(_dir, "restore");
        var restore = await cluster.RestoreAsync(keptJob.Snapshot!.Value, target);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(kept, target + kept));

        // Nothing left to free: a second run changes nothing.
        var again = await cluster.GcAsync(new GcRequest { RepackThreshold = 1e-9 });
        Assert.Equal((0L, 0L, 0L), (again.PacksDeleted, again.PacksRepacked, again.ChunksRemoved));
    }

    [Fact]
    public async Task Gc_DamagedPack_IsLeftAloneAndTheRunSucceeds()
    {
        var both = Path.Combine(_dir, "both");
        var only = Path.Combine(_dir, "only");
        Directory.CreateDirectory(both);
        Directory.CreateDirectory(only);
        var random = new Random(77);
        var kept = AwkwardTree.Bytes(random, 200_000);
        await File.WriteAllBytesAsync(Path.Combine(both, "kept.bin"), kept);
        await File.WriteAllBytesAsync(Path.Combine(both, "dropped.bin"), AwkwardTree.Bytes(random, 200_000));
        await File.WriteAllBytesAsync(Path.Combine(only, "kept.bin"), kept);
        await cluster.GcAsync();
        var first = await cluster.BackupAsync(both);
        var second = await cluster.BackupAsync(only);
        await cluster.Catalog.ForgetAsync(new ForgetRequest { Snapshots = [first.Snapshot!.Value.ToString()] });

        // The pack holding both files: flip a byte of the dropped file's blob (not of the kept one).
        var onDisk = await cluster.BlobsOnDiskAsync();
        var referenced = await cluster.ReferencedAsync([(await cluster.Catalog.ResolveAsync(second.Snapshot!.Value.ToString()))]);
        var (pack, dead) = onDisk.Values.First(b => !referenced.Contains(b.Entry.Id) && b.Entry.Kind == BlobKind.Data
            && onDisk.Values.Any(o => o.Pack == b.Pack && referenced.Contains(o.Entry.Id)));
        var path = cluster.Node.Packs.PathOf(pack);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = dead.Offset + 5;
            var b = file.ReadByte();
            file.Position = dead.Offset + 5;
            file.WriteByte((byte)(b ^ 0x40));
        }

        var run = await cluster.GcAsync(new GcRequest { RepackThreshold = 1e-9 });

        Assert.Equal(GcOutcome.Succeeded, run.Outcome);
        Assert.True(File.Exists(path), "the damaged pack must stay where it is");
        // The kept file's own blob is intact: a blob-by-blob read still returns it.
        var read = new List<byte>();
        await foreach (var segment in cluster.Peer.ReadFileAsync(second.Snapshot!.Value, Path.Combine(only, "kept.bin")))
        {
            read.AddRange(segment.Data);
        }

        Assert.Equal(kept, read.ToArray());
        var job = await cluster.Peer.GetJobAsync(run.Job);
        Assert.Contains(job.Warnings, w => w.Contains(pack.ToString(), StringComparison.Ordinal) && w.Contains("not repacked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gc_DryRun_ReportsAndChangesNothing()
    {
        var source = Path.Combine(_dir, "dry");
        AwkwardTree.Create(source, largeFileSize: 700_000, seed: 21);
        var job = await cluster.BackupAsync(source);
        await cluster.Catalog.ForgetAsync(new ForgetRequest { Snapshots = [job.Snapshot!.Value.ToString()] });
        var packs = cluster.Node.Packs.Enumerate().Select(p => p.ToString()).Order().ToList();
        var count = await cluster.IndexCountAsync();

        var run = await cluster.GcAsync(new GcRequest { DryRun = true });

        Assert.Equal(GcOutcome.Succeeded, run.Outcome);
        Assert.True(run.DryRun);
        Assert.True(run.ChunksRemoved > 0 && run.BytesFreed > 0, run.ToString());
        Assert.Equal(packs, cluster.Node.Packs.Enumerate().Select(p => p.ToString()).Order().ToList());
        Assert.Equal(count, await cluster.IndexCountAsync());
    }

    [Fact]
    public async Task Gc_WaitsForRunningBackups_AndRemovesOrphanPacks()
    {
        var source = Path.Combine(_dir, "wait");
        AwkwardTree.Create(source, largeFileSize: 500_000, seed: 31);
        var kept = await cluster.BackupAsync(source);
        // An abandoned upload leaves packs and index entries no snapshot uses.
        var orphan = await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("orphan.bin", []));
        await cluster.Peer.AppendStreamAsync(orphan.Id, new DataSegment(AwkwardTree.Bytes(new Random(6), 3_000_000)));
        await cluster.Peer.AbortStreamAsync(orphan.Id, "test");
        // A stream backup holds a lease while it is open: GC must wait for it. Its first packs are
        // stored and indexed before GC starts, so GC condemns chunks the stream's snapshot will use.
        var indexed = await cluster.IndexCountAsync();
        var stream = await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("held.bin", []));
        await cluster.Peer.AppendStreamAsync(stream.Id, new DataSegment(AwkwardTree.Bytes(new Random(5), HeldBytes)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await cluster.IndexCountAsync() < indexed + 16)
        {
            Assert.True(DateTime.UtcNow < deadline, "the stream's first packs were never indexed");
            await Task.Delay(10);
        }

        var started = await cluster.Retention.StartGcAsync(new GcRequest { RepackThreshold = 1e-9 });
        var run = started.Current!.RunId;
        await WaitForPhaseAsync(run, GcPhase.WaitingForBackups);
        // The stream's chunks are indexed but not yet in any snapshot: condemned, not deleted.
        var committed = await cluster.Peer.CompleteStreamAsync(stream.Id, HeldBytes);

        var result = await cluster.WaitForRunAsync(run);
        Assert.Equal(GcOutcome.Succeeded, result.Outcome);
        Assert.True(result.PacksDeleted > 0, result.ToString());
        var referenced = await cluster.ReferencedAsync(await cluster.Catalog.ListAsync());
        var onDisk = (await cluster.BlobsOnDiskAsync()).Keys;
        Assert.Empty(onDisk.Except(referenced));
        Assert.Empty(referenced.Except(onDisk));

        var bytes = new List<byte>();
        await foreach (var segment in cluster.Peer.ReadFileAsync(committed.Id, "/held.bin"))
        {
            bytes.AddRange(segment.Data);
        }

        Assert.Equal(AwkwardTree.Bytes(new Random(5), HeldBytes), bytes.ToArray());
        var restore = await cluster.RestoreAsync(kept.Snapshot!.Value, Path.Combine(_dir, "r"));
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
    }

    [Fact]
    public async Task Gc_RacingBackupsAndForgets_EverySnapshotStaysRestorable()
    {
        var random = new Random(42);
        var source = Path.Combine(_dir, "race");
        Directory.CreateDirectory(source);
        var next = 0;
        for (; next < 16; next++)
        {
            await File.WriteAllBytesAsync(Path.Combine(source, $"f{next}.bin"), AwkwardTree.Bytes(random, random.Next(10_000, 300_000)));
        }

        var expected = new Dictionary<SnapshotId, string>();
        var streams = new Dictionary<SnapshotId, byte[]>();
        var runs = new List<GcRun>();
        for (var round = 0; round < 8; round++)
        {
            // Change the tree: rewrite three files, delete two (their bytes come back as a stream below), add two.
            var files = Directory.GetFiles(source).Order(StringComparer.Ordinal).ToList();
            foreach (var f in files.OrderBy(_ => random.Next()).Take(3))
            {
                await File.WriteAllBytesAsync(f, AwkwardTree.Bytes(random, random.Next(10_000, 300_000)));
            }

            var removed = files.OrderBy(_ => random.Next()).Take(2).ToList();
            var streamed = await File.ReadAllBytesAsync(removed[0]);
            removed.ForEach(File.Delete);
            for (var i = 0; i < 2; i++, next++)
            {
                await File.WriteAllBytesAsync(Path.Combine(source, $"f{next}.bin"), AwkwardTree.Bytes(random, random.Next(10_000, 300_000)));
            }

            var reference = Path.Combine(_dir, $"ref{round}");
            CopyTree(source, reference);

            // Backups (one of them deduplicating against data only forgotten snapshots hold) race
            // a forget of all but the newest two snapshots and a GC run, at a random offset.
            var backup = cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null));
            var stream = StreamAsync(streamed, random.Next(0, 3));
            await Task.Delay(random.Next(0, 120));
            var committed = await cluster.Catalog.ListAsync();
            var forget = committed.Take(Math.Max(0, committed.Count - 2)).Select(s => s.Id.ToString()).ToList();
            if (forget.Count > 0)
            {
                await cluster.Catalog.ForgetAsync(new ForgetRequest { Snapshots = forget });
                foreach (var id in forget)
                {
                    expected.Remove(SnapshotId.Parse(id));
                    streams.Remove(SnapshotId.Parse(id));
                }
            }

            var gc = cluster.GcAsync(new GcRequest { RepackThreshold = 0.2 });
            var job = await cluster.WaitAsync(await backup);
            Assert.True(job.State == JobState.Succeeded, $"round {round}: backup {job.State}: {job.Error}");
            expected[job.Snapshot!.Value] = reference;
            var streamSnapshot = await stream;
            streams[streamSnapshot.Id] = streamed;
            var run = await gc;
            Assert.True(run.Outcome == GcOutcome.Succeeded, $"round {round}: {run}");
            runs.Add(run);
        }

        Assert.Contains(runs, r => r.PacksDeleted + r.PacksRepacked > 0);
        runs.Add(await cluster.GcAsync(new GcRequest { RepackThreshold = 0.2 }));
        var remaining = (await cluster.Catalog.ListAsync()).Select(s => s.Id).ToHashSet();
        foreach (var (id, reference) in expected.Where(e => remaining.Contains(e.Key)))
        {
            var target = Path.Combine(_dir, "restore-" + id.Short);
            var restore = await cluster.RestoreAsync(id, target);
            Assert.True(restore.State == JobState.Succeeded, $"snapshot {id}: {restore.Error}");
            Assert.Empty(AwkwardTree.Differences(reference, target + source));
        }

        foreach (var (id, bytes) in streams.Where(e => remaining.Contains(e.Key)))
        {
            var read = new List<byte>();
            await foreach (var segment in cluster.Peer.ReadFileAsync(id, "/streamed.bin"))
            {
                read.AddRange(segment.Data);
            }

            Assert.Equal(bytes, read.ToArray());
        }

        var referenced = await cluster.ReferencedAsync(await cluster.Catalog.ListAsync());
        Assert.Empty(referenced.Except((await cluster.BlobsOnDiskAsync()).Keys));
    }

    [Fact]
    public async Task Schedules_ForgetThenGc_RemoveOldSnapshotsAndTheirData()
    {
        var source = Path.Combine(_dir, "scheduled");
        Directory.CreateDirectory(source);
        var random = new Random(9);
        var tag = "sched-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<SnapshotId>();
        for (var i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(source, "data.bin"), AwkwardTree.Bytes(random, 600_000));
            var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [tag], [], null)));
            Assert.True(job.State == JobState.Succeeded, job.Error);
            ids.Add(job.Snapshot!.Value);
        }

        var forget = cluster.Grains.GetGrain<Vault.Schedules.IScheduleGrain>(tag + "-forget");
        await forget.PutAsync(new Vault.Schedules.ScheduleSpec
        {
            Name = tag + "-forget",
            Kind = Vault.Schedules.ScheduleKind.Forget,
            Tags = [tag],
            Every = TimeSpan.FromDays(1),
            Retention = new RetentionPolicy { KeepLast = 1 },
        });
        var forgotten = await WaitForScheduleAsync(forget, await forget.RunNowAsync());
        Assert.True(forgotten.LastResult == Vault.Schedules.ScheduleResult.Succeeded, forgotten.LastError);
        Assert.Equal([ids[^1]], (await cluster.Catalog.ListAsync(tag: tag)).Select(s => s.Id));

        var gc = cluster.Grains.GetGrain<Vault.Schedules.IScheduleGrain>(tag + "-gc");
        await gc.PutAsync(new Vault.Schedules.ScheduleSpec { Name = tag + "-gc", Kind = Vault.Schedules.ScheduleKind.Gc, Every = TimeSpan.FromDays(1) });
        var collected = await WaitForScheduleAsync(gc, await gc.RunNowAsync());
        Assert.True(collected.LastResult == Vault.Schedules.ScheduleResult.Succeeded, collected.LastError);
        var run = (await cluster.Retention.GetGcStatusAsync()).Last!;
        Assert.Equal(GcOutcome.Succeeded, run.Outcome);
        Assert.True(run.ChunksRemoved > 0 && run.BytesFreed > 0, run.ToString());

        var restore = await cluster.RestoreAsync(ids[^1], Path.Combine(_dir, "sched-restore"));
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "data.bin")),
            await File.ReadAllBytesAsync(Path.Combine(_dir, "sched-restore") + Path.Combine(source, "data.bin")));
    }

    private static async Task<Vault.Schedules.ScheduleInfo> WaitForScheduleAsync(Vault.Schedules.IScheduleGrain schedule, Vault.Schedules.ScheduleInfo started)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var info = started;
        while (info.Attempt != 0 || info.LastResult == Vault.Schedules.ScheduleResult.None)
        {
            Assert.True(DateTime.UtcNow < deadline, $"schedule still running: {info}");
            await Task.Delay(20);
            info = await schedule.GetAsync();
        }

        return info;
    }

    private async Task<SnapshotInfo> StreamAsync(byte[] bytes, int pieces)
    {
        var session = await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("streamed.bin", []));
        var size = bytes.Length / (pieces + 1) + 1;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            await cluster.Peer.AppendStreamAsync(session.Id, new DataSegment(bytes[offset..Math.Min(bytes.Length, offset + size)]));
        }

        return await cluster.Peer.CompleteStreamAsync(session.Id, bytes.Length);
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            var copy = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetLastWriteTimeUtc(copy, File.GetLastWriteTimeUtc(file));
        }

        File.SetLastWriteTimeUtc(to, Directory.GetLastWriteTimeUtc(from));
    }

    private async Task WaitForPhaseAsync(Guid run, GcPhase phase)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await cluster.Retention.GetGcStatusAsync();
            Assert.True(status.Current?.RunId == run, $"run {run} ended before reaching {phase}: {status.Last}");
            if (status.Current!.Phase >= phase)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {run} still in {status.Current.Phase}");
            await Task.Delay(10);
        }
    }
}
