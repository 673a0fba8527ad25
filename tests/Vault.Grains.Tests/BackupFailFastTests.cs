using System.Diagnostics;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>
/// A backup whose pack store fails while files are still queued for reading: the job ends promptly
/// with a typed failure, commits nothing, and the next backup succeeds. A silo of its own (the test
/// blocks the pack store's directories).
/// </summary>
public sealed class BackupFailFastTests(VaultClusterFixture cluster) : IClassFixture<VaultClusterFixture>, IDisposable
{
    private const int Files = 32;
    private const int FileSize = 1024 * 1024;

    private readonly string _dir = TestDirs.Create("backup-failfast");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Backup_PackStoreFailsWithFilesQueued_EndsPromptlyWithTypedFailure_NextBackupSucceeds()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var random = new Random(Guid.NewGuid().GetHashCode());
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), AwkwardTree.Bytes(random, FileSize));
        }

        // Every pack goes to packs/<first two hex digits>/<id>: a plain file in each of those places
        // makes every pack write fail ("not a directory") from the first sealed pack on.
        var root = cluster.Node.Packs.Root;
        Directory.CreateDirectory(root);
        var blockers = Enumerable.Range(0, 256).Select(i => Path.Combine(root, i.ToString("x2"))).Where(p => !Directory.Exists(p)).ToList();
        foreach (var blocker in blockers)
        {
            File.WriteAllBytes(blocker, []);
        }

        var snapshotsBefore = await CommittedAsync();
        var clock = Stopwatch.StartNew();
        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)), TimeSpan.FromSeconds(60));
        clock.Stop();
        foreach (var blocker in blockers)
        {
            File.Delete(blocker);
        }

        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(ErrorCode.Internal, job.Failure?.Code);
        Assert.Contains($"job {job.Id}", job.Error);
        Assert.DoesNotContain("Exception", job.Error);
        Assert.True(job.Progress.BytesStored == 0, $"{job.Progress.BytesStored} bytes stored although no pack could be written");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the failed backup took {clock.Elapsed}");
        Assert.Equal(snapshotsBefore, await CommittedAsync());

        var again = await cluster.BackupAsync(source);
        Assert.Equal(Files, again.Progress.FilesDone);
        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(again.Snapshot!.Value, target);
        Assert.True(restore.State == JobState.Succeeded, $"restore: {restore.Error}");
        Assert.Empty(AwkwardTree.Differences(source, target + source));
    }

    private async Task<int> CommittedAsync() =>
        (await cluster.Grains.GetGrain<ISnapshotCatalogGrain>(Snapshots.SnapshotCatalogGrain.DefaultRepository).ListAsync()).Count(s => s.State == SnapshotState.Committed);
}
