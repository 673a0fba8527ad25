using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Backup;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>The one ingest session: fail fast with work queued, and a commit that a crash at any step leaves whole or absent.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IngestTests(VaultClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("ingest");

    public void Dispose()
    {
        Faults.Disarm();
        TestDirs.Delete(_dir);
    }

    private CommitFaults Faults => cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<CommitFaults>();

    [Fact]
    public async Task Backup_StoreStageFailsWithManyPacksQueued_EndsPromptlyWithTheCause()
    {
        // 12 MiB of random data: a dozen 1 MiB packs, so several are sealed and queued behind the failing store.
        var source = Path.Combine(_dir, "many");
        Directory.CreateDirectory(source);
        var random = new Random(21);
        for (var i = 0; i < 6; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i}.bin"), AwkwardTree.Bytes(random, 2 * 1024 * 1024));
        }

        var stored = 0;
        Faults.Arm(step => step == CommitStep.PackStored && Interlocked.Increment(ref stored) == 2);
        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)), TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("injected fault after commit step PackStored", job.Error);
        Assert.DoesNotContain(await Catalog.ListAsync(), s => s.Id == job.Snapshot);
    }

    [Fact]
    public async Task Stream_StoreStageFailsWithSegmentsStillComing_TheSenderGetsTheCause()
    {
        var stored = 0;
        Faults.Arm(step => step == CommitStep.PackStored && Interlocked.Increment(ref stored) == 2);
        var session = (await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("fails.bin", []))).Id;
        var random = new Random(22);
        Exception? failure = null;
        long sent = 0;
        // Far more than fits in the pipeline's bounded stages: the sender must be stopped with the cause, never left waiting.
        while (sent < 64L * 1024 * 1024)
        {
            try
            {
                await cluster.Peer.AppendStreamAsync(session, new DataSegment(AwkwardTree.Bytes(random, 512 * 1024))).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is not TimeoutException)
            {
                failure = e;
                break;
            }

            sent += 512 * 1024;
        }

        Assert.NotNull(failure);
        Assert.Contains("injected fault after commit step PackStored", failure.Message);
        var job = await cluster.Peer.GetJobAsync(session);
        Assert.Equal(JobState.Failed, job.State);
    }

    [Fact]
    public async Task Stream_DeduplicatedBytesAreCounted()
    {
        var data = AwkwardTree.Bytes(new Random(23), 3 * 1024 * 1024);
        var first = await StreamAsync("dedup-a.bin", data);
        var before = Vault.Grains.Telemetry.VaultMetrics.Totals().BytesDeduplicated;
        var second = await StreamAsync("dedup-b.bin", data);
        // Every byte of the second stream was deduplicated, and the metric counts each chunk's length (other tests only add to it).
        Assert.True(Vault.Grains.Telemetry.VaultMetrics.Totals().BytesDeduplicated - before >= data.Length);
        Assert.True(first.Stats.ChunksNew > 10);
        Assert.Equal(1, second.Stats.ChunksNew); // its tree
        Assert.Equal(first.Stats.ChunksNew - 1, second.Stats.ChunksDeduplicated);
    }

    public static TheoryData<CommitStep, bool> Steps => new()
    {
        { CommitStep.PackStored, false },
        { CommitStep.IndexFlushed, false },
        { CommitStep.IntentRecorded, true },
        { CommitStep.SnapshotWritten, true },
        { CommitStep.CatalogAdded, true },
    };

    /// <summary>
    /// A crash at each step of the commit, then what a restart does (RecoverCommitsAsync, run by
    /// every silo at start): the snapshot is listed and restores byte-identical, or it is absent
    /// (never committed, never listed). Never committed but unlisted, never listed but unrestorable.
    /// </summary>
    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Commit_CrashAtStep_LeavesTheSnapshotWholeOrAbsent(CommitStep step, bool durable)
    {
        var source = Path.Combine(_dir, "commit-" + step);
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "data.bin"), AwkwardTree.Bytes(new Random((int)step + 100), 2_500_000));
        // Every pass through the step fails while armed: the backup's own retry (its lease release) fails too.
        Faults.Arm(s => s == step);
        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)));
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains($"injected fault after commit step {step}", job.Error);
        Faults.Disarm();

        await cluster.Grains.GetGrain<IRetentionGrain>("default").RecoverCommitsAsync();

        var id = job.Snapshot!.Value;
        var listed = (await Catalog.ListAsync()).Any(s => s.Id == id);
        var state = (await cluster.Grains.GetGrain<ISnapshotGrain>(id.Value).TryGetAsync())?.State;
        Assert.Equal(durable, listed);
        if (listed)
        {
            Assert.Equal(SnapshotState.Committed, state);
            var target = Path.Combine(_dir, "restore-" + step);
            var restore = await cluster.RestoreAsync(id, target);
            Assert.True(restore.State == JobState.Succeeded, restore.Error);
            Assert.Empty(AwkwardTree.Differences(source, target + source));
        }
        else
        {
            Assert.NotEqual(SnapshotState.Committed, state);
        }

        // Nothing is left half done: a second recovery has nothing to finish.
        Assert.Equal(0, await cluster.Grains.GetGrain<IRetentionGrain>("default").RecoverCommitsAsync());
    }

    private ISnapshotCatalogGrain Catalog => cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default");

    private async Task<SnapshotInfo> StreamAsync(string name, byte[] data)
    {
        var session = (await cluster.Peer.BeginStreamAsync(new StreamBackupRequest(name, []))).Id;
        for (var offset = 0; offset < data.Length; offset += 300_000)
        {
            await cluster.Peer.AppendStreamAsync(session, new DataSegment(data[offset..Math.Min(data.Length, offset + 300_000)]));
        }

        return await cluster.Peer.CompleteStreamAsync(session, data.Length);
    }
}
