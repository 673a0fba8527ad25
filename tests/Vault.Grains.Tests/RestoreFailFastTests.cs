using System.Diagnostics;
using Vault.Peers;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>
/// A restore whose writer fails while the walker still has batches to hand over: the job must end
/// promptly with the cause, not wait for ever on the full channel between them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RestoreFailFastTests(VaultClusterFixture cluster) : IDisposable
{
    private const int Files = 32;
    private const int FileSize = 1024 * 1024;

    private readonly string _dir = TestDirs.Create("restore-failfast");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Restore_DamagedPackWithBatchesQueuedBehind_FailsPromptlyNamingPackAndChunk()
    {
        // 32 MiB of incompressible data in 32 files: ~512 chunks of ~64 KiB in ~32 packs of 1 MiB,
        // so a restore in batches of 64 chunks needs ~8 batches.
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var random = new Random(Guid.NewGuid().GetHashCode());
        for (var i = 0; i < Files; i++)
        {
            File.WriteAllBytes(Path.Combine(source, $"f{i:D2}.bin"), AwkwardTree.Bytes(random, FileSize));
        }

        var before = cluster.Node.Packs.Enumerate().ToHashSet();
        var job = await cluster.BackupAsync(source);
        var ours = cluster.Node.Packs.Enumerate().Where(p => !before.Contains(p)).ToList();
        Assert.True(ours.Count > 8, $"the backup wrote {ours.Count} packs; the test needs many more than one");
        var expectedBatches = job.Progress.ChunksNew / VaultClusterFixture.SmallRestoreBatches.BatchChunks;
        Assert.True(expectedBatches >= 4, $"{job.Progress.ChunksNew} chunks make {expectedBatches} restore batches; the test needs several");

        // The first pack written holds chunks of the first files in name order, so every later batch
        // is still to be handed over when the writer meets it.
        var victim = ours.OrderBy(p => File.GetLastWriteTimeUtc(cluster.Node.Packs.PathOf(p))).First();
        var path = cluster.Node.Packs.PathOf(victim);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var target = Path.Combine(_dir, "target");
        var clock = Stopwatch.StartNew();
        var restore = await cluster.WaitAsync(await cluster.Peer.StartRestoreAsync(new RestoreRequest(job.Snapshot!.Value, target, [])), TimeSpan.FromSeconds(60));
        clock.Stop();

        Assert.Equal(JobState.Failed, restore.State);
        Assert.Contains($"pack {victim}", restore.Error);
        Assert.Contains("chunk ", restore.Error);
        Assert.Equal(ErrorCode.Corruption, restore.Failure?.Code);
        Assert.Equal(restore.Error, restore.Failure?.Message);
        Assert.True(restore.Progress.BytesDone < Files * (long)FileSize, "the restore went on after the damaged pack");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the failed restore took {clock.Elapsed}");

        // Files whose content could not be verified are not left behind.
        var left = Directory.Exists(target) ? Directory.EnumerateFiles(target, "*.bin", SearchOption.AllDirectories).ToList() : [];
        foreach (var file in left)
        {
            var original = Path.Combine(source, Path.GetFileName(file));
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(original)), $"{file} was left with content that differs from the source");
        }

        // The cluster is still usable: the damage is the pack's, not the node's.
        File.WriteAllBytes(path, FixByte(bytes));
        var again = await cluster.RestoreAsync(job.Snapshot!.Value, Path.Combine(_dir, "again"));
        Assert.True(again.State == JobState.Succeeded, $"restore after repairing the pack: {again.State} {again.Error}");
    }

    private static byte[] FixByte(byte[] damaged)
    {
        damaged[damaged.Length / 2] ^= 0x40;
        return damaged;
    }
}
