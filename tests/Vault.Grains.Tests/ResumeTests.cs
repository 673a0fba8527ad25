using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Backup;
using Vault.Grains.Retention;
using Vault.Peers;
using Vault.Retention;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>A silo of its own (GC judges the whole repository): checkpoints every 2 MiB, no trash delay.</summary>
public sealed class ResumeClusterFixture : VaultClusterFixture
{
    public const long CheckpointBytes = 2L * 1024 * 1024;

    protected override void Configure(ISiloBuilder silo)
    {
        silo.Services.AddSingleton(new RetentionSettings { TrashDelay = TimeSpan.Zero, LeasePollInterval = TimeSpan.FromMilliseconds(20) });
        silo.Services.AddSingleton(new IngestSettings { CheckpointBytes = CheckpointBytes, CheckpointInterval = TimeSpan.FromHours(1) });
    }

    public IRetentionGrain Retention => Grains.GetGrain<IRetentionGrain>(RetentionGrain.DefaultRepository);

    public CommitFaults Faults => Cluster.Silos[0].ServiceProvider.GetRequiredService<CommitFaults>();

    public async Task<GcRun> GcAsync()
    {
        var run = (await Retention.StartGcAsync(new GcRequest())).Current!.RunId;
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
}

/// <summary>Checkpoints: a backup that never commits leaves work the next one resumes from, and GC keeps it.</summary>
public sealed class ResumeTests(ResumeClusterFixture cluster) : IClassFixture<ResumeClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("resume");

    public void Dispose()
    {
        cluster.Faults.Disarm();
        TestDirs.Delete(_dir);
    }

    [Fact]
    public async Task Backup_EndsWithoutCommitAfterCheckpoints_GcKeepsThem_NextBackupStoresOnlyTheRest()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var random = new Random(51);
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i}.bin"), AwkwardTree.Bytes(random, 2 * 1024 * 1024));
        }

        // Everything is stored and indexed, then the backup dies before its commit.
        cluster.Faults.Arm(step => step == CommitStep.IndexFlushed);
        var failed = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)));
        Assert.Equal(JobState.Failed, failed.State);
        cluster.Faults.Disarm();
        var total = failed.Progress.BytesStored;
        Assert.True(total > 4 * ResumeClusterFixture.CheckpointBytes, $"stored {total} bytes: too few for several checkpoints");

        // GC collects what no snapshot and no checkpoint keeps: only the work after the last checkpoint.
        var gc = await cluster.GcAsync();
        Assert.Equal(GcOutcome.Succeeded, gc.Outcome);

        var resumed = await cluster.BackupAsync(source);
        Assert.True(
            resumed.Progress.BytesStored <= ResumeClusterFixture.CheckpointBytes + (1024 * 1024) + (64 * 1024),
            $"the resumed backup stored {resumed.Progress.BytesStored} of {total} bytes: more than one checkpoint interval (plus one pack and the trees)");
        Assert.True(resumed.Progress.ChunksDeduplicated > 0);

        var target = Path.Combine(_dir, "restored");
        var restore = await cluster.RestoreAsync(resumed.Snapshot!.Value, target);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(source, target + source));

        // Committed: the snapshot keeps the chunks now, the checkpoints are dropped.
        Assert.Empty(await cluster.Retention.ListCheckpointPacksAsync());
    }
}
