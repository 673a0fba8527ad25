using Microsoft.Extensions.DependencyInjection;
using Vault.Grains.Check;
using Vault.Peers;
using Vault.Retention;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>Scrubbing on the embedded node (one copy): damage is reported and left in place; the walk resumes after a stop.</summary>
public sealed class ScrubTests(VaultClusterFixture cluster) : IClassFixture<VaultClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("scrub");

    public void Dispose() => TestDirs.Delete(_dir);

    private ScrubLoop Scrub => cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<ScrubLoop>();

    [Fact]
    public async Task Scrub_EmbeddedDamagedPack_IsReportedAndLeftInPlace()
    {
        var (pack, path) = await cluster.BackUpUniqueFileAsync(Path.Combine(_dir, "damaged"), seed: 51, size: 700_000);
        var original = File.ReadAllBytes(path);
        var damaged = original.ToArray();
        damaged[damaged.Length / 3] ^= 0x01;
        File.WriteAllBytes(path, damaged);
        try
        {
            var found = (await cluster.Peer.GetInfoAsync()).Scrub!.CorruptFound;
            var cycle = await Scrub.RunCycleAsync(CancellationToken.None);

            Assert.Equal([pack], cycle.Unrepaired);
            Assert.Empty(cycle.Repaired);
            Assert.Equal(damaged, File.ReadAllBytes(path)); // never deleted, never rewritten
            var packs = cluster.Node.Packs.Enumerate().ToList();
            Assert.Equal(packs.Count, cycle.Packs);
            Assert.Equal(packs.Sum(cluster.Node.Packs.Length), cycle.Bytes);

            var status = (await cluster.Peer.GetInfoAsync()).Scrub!;
            Assert.Equal([pack], status.Unrepaired);
            Assert.Equal(found + 1, status.CorruptFound);
            Assert.Equal(cycle.Completed, status.LastCycleCompleted);
            Assert.Equal(1.0, status.Coverage);

            // Found again by the next cycle, but counted once.
            await Scrub.RunCycleAsync(CancellationToken.None);
            Assert.Equal(found + 1, (await cluster.Peer.GetInfoAsync()).Scrub!.CorruptFound);

            // Once the file is good again, the next cycle clears the report.
            File.WriteAllBytes(path, original);
            var clean = await Scrub.RunCycleAsync(CancellationToken.None);
            Assert.Empty(clean.Unrepaired);
            Assert.Empty((await cluster.Peer.GetInfoAsync()).Scrub!.Unrepaired);
        }
        finally
        {
            File.WriteAllBytes(path, original);
        }
    }

    [Fact]
    public async Task Scrub_AfterAStop_ResumesAfterTheLastPackVerified()
    {
        await cluster.BackUpUniqueFileAsync(Path.Combine(_dir, "resume"), seed: 61, size: 3_000_000);
        var total = cluster.Node.Packs.Enumerate().Count();
        Assert.True(total >= 4, $"expected several packs, got {total}");
        var first = Scrub;
        await first.RunCycleAsync(CancellationToken.None);

        Assert.Equal((2, false), await first.ContinueAsync(2, CancellationToken.None));
        await first.StopAsync(CancellationToken.None);
        var saved = ScrubCursor.Load(Path.Combine(cluster.Node.DataDir, ScrubLoop.CursorFile));
        Assert.NotNull(saved);
        Assert.NotNull(saved.After);
        Assert.NotNull(saved.LastCycleCompleted);

        // A new instance, as after a restart of the node: it reads the cursor and does only the rest of the cycle.
        var second = ActivatorUtilities.CreateInstance<ScrubLoop>(cluster.Cluster.Silos[0].ServiceProvider);
        Assert.Equal((total - 2, true), await second.ContinueAsync(total + 10, CancellationToken.None));
        Assert.Equal(1.0, second.Status.Coverage);
    }
}

/// <summary>Scrubbing with R = 2: a damaged copy is replaced by its good replica; `vault check` reads remote copies too.</summary>
public sealed class ScrubClusterTests(ScrubClusterFixture cluster) : IClassFixture<ScrubClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("scrub-cluster");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Scrub_DamagedReplica_IsReplacedByTheGoodCopy_AndReported()
    {
        var source = Path.Combine(_dir, "source");
        ReplicatedClusterFixture.WriteRandomTree(source, seed: 9, files: 6);
        await cluster.BackupAsync(cluster.Live[0], source);
        var (pack, holders) = cluster.Holders().Where(h => h.Value.Count == ReplicatedClusterFixture.Replicas)
            .OrderByDescending(h => cluster.Nodes[h.Value[0]].Packs.Length(h.Key)).First();
        var (victim, keeper) = (holders[0], holders[1]);
        var path = cluster.Nodes[victim].Packs.PathOf(pack);
        var good = File.ReadAllBytes(cluster.Nodes[keeper].Packs.PathOf(pack));
        var damaged = good.ToArray();
        damaged[damaged.Length / 2] ^= 0x80;
        File.WriteAllBytes(path, damaged);

        // check --read-data on the damaged node reports its copy, naming node and pack.
        var check = await cluster.WaitAsync(victim, await cluster.Peer(victim).StartCheckAsync(new CheckRequest { ReadDataPercent = 100 }));
        Assert.Equal(JobState.Failed, check.State);
        var problem = Assert.Single(check.Warnings);
        Assert.Contains($"node '{victim}'", problem);
        Assert.Contains($"pack {pack}", problem);

        var scrub = cluster.Cluster.Silos.First(s => s.Name == victim).ServiceProvider.GetRequiredService<ScrubLoop>();
        var repairedBefore = scrub.Status.Repaired;
        var cycle = await scrub.RunCycleAsync(CancellationToken.None);

        Assert.Equal([pack], cycle.Repaired);
        Assert.Empty(cycle.Unrepaired);
        Assert.Equal(good, File.ReadAllBytes(path));
        var status = (await cluster.Peer(victim).GetInfoAsync()).Scrub!;
        Assert.Equal(repairedBefore + 1, status.Repaired);
        Assert.Empty(status.Unrepaired);

        // Now every copy is good: a full check from another node passes, reading remote copies.
        var reader = cluster.Live.First(n => n != victim);
        var again = await cluster.WaitAsync(reader, await cluster.Peer(reader).StartCheckAsync(new CheckRequest { ReadDataPercent = 100 }));
        Assert.True(again.State == JobState.Succeeded, $"{again.Error}: {string.Join("; ", again.Warnings)}");
        Assert.True(again.Progress.BytesDone > 0);
    }
}
