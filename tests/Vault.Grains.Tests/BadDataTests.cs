using Vault.Chunks;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>Corrupted packs and hostile snapshot trees: refused with named errors, nothing wrong written.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadDataTests(VaultClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("bad");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Restore_FlippedByteInPack_FailsNamingPackAndChunk_WritesNothingWrong()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var data = AwkwardTree.Bytes(new Random(Guid.NewGuid().GetHashCode()), 700_000);
        File.WriteAllBytes(Path.Combine(source, "unique.bin"), data);

        var before = PackFiles();
        var job = await cluster.BackupAsync(source);
        var ours = PackFiles().Except(before).OrderByDescending(p => new FileInfo(p).Length).ToList();
        Assert.NotEmpty(ours);
        var victim = ours[0]; // the largest new pack holds the file's data, not its trees
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(victim, bytes);

        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(job.Snapshot!.Value, target);
        Assert.Equal(JobState.Failed, restore.State);
        Assert.Contains(Path.GetFileName(victim), restore.Error);
        Assert.Contains("pack", restore.Error);
        Assert.False(File.Exists(target + source + "/unique.bin"), "a file with unverified content was left behind");
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("/etc")]
    [InlineData("nul\0byte")]
    [InlineData("")]
    public async Task Restore_HostileName_IsRefused(string name)
    {
        var evil = new TreeNode { Name = name, Type = NodeType.File, Mode = 420 };
        var snapshot = await CommitTreeAsync([evil]);
        var target = Path.Combine(_dir, "target");

        var restore = await cluster.RestoreAsync(snapshot, target);
        Assert.Equal(JobState.Failed, restore.State);
        Assert.Contains("tree", restore.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public async Task Restore_SymlinkAndDirectoryOfTheSameName_IsRefused()
    {
        // A symlink "x" to a directory outside the target, then a directory "x" holding a file:
        // restoring both would write the file through the link.
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        var fileTree = await CommitBlobAsync(TreeCodec.EncodeUnchecked([new TreeNode { Name = "passwd", Type = NodeType.File, Mode = 420 }]), BlobKind.Tree);
        var snapshot = await CommitTreeAsync(
        [
            new TreeNode { Name = "x", Type = NodeType.Symlink, LinkTarget = outside },
            new TreeNode { Name = "x", Type = NodeType.Directory, Subtree = fileTree, Mode = 493 },
        ]);
        var target = Path.Combine(_dir, "target");

        var restore = await cluster.RestoreAsync(snapshot, target);
        Assert.Equal(JobState.Failed, restore.State);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task Restore_TargetHoldsSymlinkOnThePath_DoesNotWriteThroughIt()
    {
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "f.txt"), "hello");
        var job = await cluster.BackupAsync(source);

        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        var target = Path.Combine(_dir, "target");
        Directory.CreateDirectory(target);
        var first = source.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        File.CreateSymbolicLink(Path.Combine(target, first), outside);

        var restore = await cluster.RestoreAsync(job.Snapshot!.Value, target);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Contains(restore.Warnings, w => w.Contains("not restored"));
    }

    private static List<string> PackFilesIn(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Length == 64).ToList() : [];

    private List<string> PackFiles() => PackFilesIn(Path.Combine(cluster.Node.DataDir, "packs"));

    /// <summary>Writes a snapshot whose root tree is the given (unchecked) nodes; returns its id.</summary>
    private async Task<SnapshotId> CommitTreeAsync(IReadOnlyList<TreeNode> nodes)
    {
        var root = await CommitBlobAsync(TreeCodec.EncodeUnchecked(nodes), BlobKind.Tree);
        var id = SnapshotId.New();
        var stats = new SnapshotStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        var info = new SnapshotInfo(id, cluster.NodeId, "test", ["/"], [], DateTimeOffset.UtcNow, null, root, stats, SnapshotState.Pending, false);
        var grain = cluster.Grains.GetGrain<ISnapshotGrain>(id.Value);
        await grain.BeginAsync(info);
        await grain.CommitAsync(info with { State = SnapshotState.Committed });
        return id;
    }

    private async Task<ChunkId> CommitBlobAsync(byte[] bytes, BlobKind kind)
    {
        var node = cluster.Node;
        var id = node.Keys.ComputeId(bytes);
        using var writer = new PackWriter(node.Keys, 1024 * 1024);
        writer.Add(id, kind, CompressionMode.None, bytes, bytes.Length);
        using var pack = writer.Seal();
        await node.Packs.WriteAsync(pack.Id, pack.Bytes);
        var entries = pack.Entries.Select(e => new IndexEntry(e.Id, ChunkLocation.From(pack.Id, e))).ToArray();
        var partition = cluster.Grains.GetGrain<IChunkGrain>(id.Partition(node.Config.IndexPartitionBits));
        await partition.FlushAsync(await partition.AddAsync(entries));
        return id;
    }
}
