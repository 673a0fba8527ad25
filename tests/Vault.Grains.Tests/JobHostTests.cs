using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Jobs;
using Vault.Peers;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>The job host's part in the silo lifecycle: on stop it refuses new jobs and ends running ones as interrupted.</summary>
public sealed class JobHostTests(VaultClusterFixture cluster) : IClassFixture<VaultClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("job-host");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task SiloStopping_RunningBackupEndsInterrupted_NewJobsAreRefused()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var random = new Random(7);
        for (var i = 0; i < 96; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), AwkwardTree.Bytes(random, 1024 * 1024));
        }

        var started = await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null));
        // Stop while the backup is under way: once it has read data, long before 96 MiB are stored.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JobInfo seen;
        while ((seen = await cluster.Peer.GetJobAsync(started.Id)).State == JobState.Running && seen.Progress.BytesDone == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the backup read nothing in 60 s; last seen {seen.Progress}");
            await Task.Delay(10);
        }

        Assert.True(seen.State == JobState.Running, $"the backup ended ({seen.State}) before the test could stop the node; make it larger");
        var runner = cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<JobRunner>();
        await runner.StopAsync(CancellationToken.None);

        var job = await cluster.Peer.GetJobAsync(started.Id);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(ErrorCode.Interrupted, job.Failure?.Code);
        Assert.Contains("stopped", job.Error);
        var refused = await Assert.ThrowsAsync<NodeUnavailableException>(() => cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)));
        Assert.Contains("shutting down", refused.Message);
    }
}
