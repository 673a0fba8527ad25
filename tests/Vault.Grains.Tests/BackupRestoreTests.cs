using Vault.Peers;
using Vault.Snapshots;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class BackupRestoreTests(VaultClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("backup");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Backup_AwkwardTree_RestoresByteIdentical()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 1_500_000);

        var job = await cluster.BackupAsync(source);
        Assert.Equal(0, job.Progress.Errors);
        Assert.NotNull(job.Snapshot);

        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(job.Snapshot.Value, target);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(source, target + source));
    }

    [Fact]
    public async Task Backup_Unchanged_ReadsNothingAndStoresNothing()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 600_000, seed: 2);
        var first = await cluster.BackupAsync(source);
        Assert.True(first.Progress.ChunksNew > 0);

        var second = await cluster.BackupAsync(source);
        Assert.Equal(second.Progress.FilesDone, second.Progress.FilesUnchanged);
        Assert.Equal(0, second.Progress.ChunksDeduplicated); // nothing was even read and hashed
        // Only the trees of the directories above the source may be new (their mtimes move as tests run).
        Assert.True(second.Progress.BytesNew < 4096, $"{second.Progress.BytesNew} new bytes for unchanged data");

        var snapshot = await cluster.Grains.GetGrain<ISnapshotGrain>(second.Snapshot!.Value.Value).TryGetAsync();
        Assert.Equal(first.Snapshot, snapshot!.Parent);
    }

    [Fact]
    public async Task Backup_OneFileChanged_StoresOnlyItsNewChunks()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 1_000_000, seed: 3);
        await cluster.BackupAsync(source);

        // Insert bytes near the start of the large file: content-defined chunking keeps later chunks.
        var large = Path.Combine(source, "large.bin");
        var bytes = File.ReadAllBytes(large);
        File.WriteAllBytes(large, [.. bytes[..1000], .. "inserted"u8.ToArray(), .. bytes[1000..]]);

        var second = await cluster.BackupAsync(source);
        Assert.Equal(1, second.Progress.FilesDone - second.Progress.FilesUnchanged);
        Assert.True(second.Progress.ChunksDeduplicated > 0, "later chunks of the changed file should deduplicate");
        Assert.True(second.Progress.BytesNew < bytes.Length / 2, $"stored {second.Progress.BytesNew} new bytes for an 8-byte insert");

        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(second.Snapshot!.Value, target);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(source, target + source));
    }

    [Fact]
    public async Task Restore_Include_RestoresOnlyThatSubtree()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 300_000, seed: 4);
        var job = await cluster.BackupAsync(source);

        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(job.Snapshot!.Value, target, source + "/many");
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(Path.Combine(source, "many"), target + source + "/many"));
        Assert.False(File.Exists(target + source + "/large.bin"));
    }

    [Fact]
    public async Task Backup_Excludes_LeavesMatchesOut()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 100_000, seed: 5);
        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], ["t1"], ["*.bin", source + "/many"], null)));
        Assert.Equal(JobState.Succeeded, job.State);

        var names = new List<string>();
        await foreach (var e in cluster.Peer.ListFilesAsync(job.Snapshot!.Value, source, recursive: true))
        {
            names.Add(e.Path);
        }

        Assert.Contains(source + "/script.sh", names);
        Assert.DoesNotContain(source + "/large.bin", names);
        Assert.DoesNotContain(names, n => n.StartsWith(source + "/many", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartBackup_MissingPath_IsRefusedWithItsName()
    {
        var missing = Path.Combine(_dir, "does-not-exist");
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.Peer.StartBackupAsync(new BackupRequest([missing], [], [], null)));
        Assert.Contains(missing, e.Message);
        await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.Peer.StartBackupAsync(new BackupRequest(["relative/path"], [], [], null)));
    }

    [Fact]
    public async Task Catalog_ResolvesLatestAndPrefixes()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 10_000, seed: 6);
        var job = await cluster.BackupAsync(source);
        var catalog = cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default");

        var latest = await catalog.ResolveAsync("latest");
        Assert.Equal(job.Snapshot, latest.Id);
        var byPrefix = await catalog.ResolveAsync(job.Snapshot!.Value.ToString()[..12]);
        Assert.Equal(job.Snapshot, byPrefix.Id);
        await Assert.ThrowsAsync<SnapshotNotFoundException>(() => catalog.ResolveAsync("ffffffffffff0000"));
        await Assert.ThrowsAsync<InvalidRequestException>(() => catalog.ResolveAsync("../etc"));
    }
}
