using Orleans.Runtime;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>Stream sessions and file reads on a node with a real repository.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamTests(VaultClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("stream");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Stream_InOddSegments_ChunksLikeTheSameFile_AndReadsBackIdentical()
    {
        var data = new byte[3 * 1024 * 1024 + 333];
        new Random(11).NextBytes(data);
        var file = Path.Combine(_dir, "same.bin");
        await File.WriteAllBytesAsync(file, data);
        await cluster.BackupAsync(file);

        // Segment sizes that never line up with chunk boundaries.
        var session = (await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("same.bin", ["s"]))).Id;
        var random = new Random(5);
        for (var offset = 0; offset < data.Length;)
        {
            var n = Math.Min(random.Next(1, 200_000), data.Length - offset);
            await cluster.Peer.AppendStreamAsync(session, new DataSegment(data[offset..(offset + n)]));
            offset += n;
        }

        var snapshot = await cluster.Peer.CompleteStreamAsync(session, data.Length);
        Assert.Equal(SnapshotState.Committed, snapshot.State);
        Assert.Equal(["/same.bin"], snapshot.Paths);
        Assert.Equal(data.Length, snapshot.Stats.BytesTotal);
        Assert.Equal(1, snapshot.Stats.ChunksNew); // only the tree: every data chunk deduplicates against the file
        Assert.True(snapshot.Stats.ChunksDeduplicated > 10);

        var back = new MemoryStream();
        await foreach (var segment in cluster.Peer.ReadFileAsync(snapshot.Id, "/same.bin").WithBatchSize(1))
        {
            back.Write(segment.Data);
        }

        Assert.Equal(data, back.ToArray());
        Assert.Equal(JobState.Succeeded, (await cluster.Peer.GetJobAsync(session)).State);
    }

    [Fact]
    public async Task Stream_WrongTotalOrAbort_CommitsNothing_AndTheSessionIsGone()
    {
        var before = (await cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default").ListAsync()).Count;
        var session = (await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("short.bin", []))).Id;
        await cluster.Peer.AppendStreamAsync(session, new DataSegment(new byte[100_000]));
        var truncated = await Assert.ThrowsAsync<StreamTruncatedException>(() => cluster.Peer.CompleteStreamAsync(session, 200_000));
        Assert.Contains("nothing was committed", truncated.Message);
        await Assert.ThrowsAsync<JobNotFoundException>(() => cluster.Peer.AppendStreamAsync(session, new DataSegment([1])));
        Assert.Equal(JobState.Failed, (await cluster.Peer.GetJobAsync(session)).State);

        var aborted = (await cluster.Peer.BeginStreamAsync(new StreamBackupRequest("gone.bin", []))).Id;
        await cluster.Peer.AppendStreamAsync(aborted, new DataSegment(new byte[50_000]));
        await cluster.Peer.AbortStreamAsync(aborted, "client went away");
        await Assert.ThrowsAsync<JobNotFoundException>(() => cluster.Peer.CompleteStreamAsync(aborted, 0));
        Assert.Equal("client went away", (await cluster.Peer.GetJobAsync(aborted)).Error);
        Assert.Equal(before, (await cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default").ListAsync()).Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task BeginStream_BadName_IsRefused(string name)
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.Peer.BeginStreamAsync(new StreamBackupRequest(name, [])));
        Assert.Contains("must be a file name", e.Message);
    }

    [Fact]
    public async Task ReadFile_Directory_IsRefusedNamingThePath()
    {
        var source = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        var job = await cluster.BackupAsync(source);
        var e = await Assert.ThrowsAsync<InvalidRequestException>(async () =>
        {
            await foreach (var _ in cluster.Peer.ReadFileAsync(job.Snapshot!.Value, source + "/sub"))
            {
            }
        });
        Assert.Contains("/sub", e.Message);
        Assert.Contains("not a file", e.Message);
    }
}
