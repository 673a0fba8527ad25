extern alias gateway;

using gateway::Vault.Gateway;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Surface.Tests;

public sealed class ProtoMapperTests
{
    private static readonly DateTimeOffset _time = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    [Theory]
    [InlineData(JobKind.Backup, JobState.Running, false)]
    [InlineData(JobKind.Backup, JobState.Succeeded, true)]
    [InlineData(JobKind.Restore, JobState.Failed, true)]
    [InlineData(JobKind.Restore, JobState.Cancelled, false)]
    public void JobRoundTrips(JobKind kind, JobState state, bool full)
    {
        var job = new JobInfo(JobId.New(), kind, state, "node-a", _time, full ? _time.AddMinutes(2) : null,
            new JobProgress(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, full), full ? SnapshotId.New() : null,
            full ? "disk full" : null, full ? ["/a: unreadable", "/b: changed"] : []);

        var back = ProtoMapper.FromProto(ProtoMapper.ToProto(job));

        Assert.Equal(job with { Warnings = [] }, back with { Warnings = [] });
        Assert.Equal(job.Warnings, back.Warnings);
    }

    [Fact]
    public void SnapshotRoundTrips()
    {
        var snapshot = new SnapshotInfo(SnapshotId.New(), "node-a", "host", ["/data", "/etc"], ["daily", "x"], _time,
            SnapshotId.New(), new ChunkId(new Hash256(1, 2, 3, ulong.MaxValue)),
            new SnapshotStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10.5), SnapshotState.Committed, true);

        var proto = ProtoMapper.ToProto(snapshot);
        var back = ProtoMapper.FromProto(proto);

        Assert.Equal(snapshot.Id.Short, proto.ShortId);
        Assert.Equal(snapshot.Stats, back.Stats);
        Assert.Equal(snapshot.Paths, back.Paths);
        Assert.Equal(snapshot.Tags, back.Tags);
        Assert.Equal(snapshot with { Paths = [], Tags = [] }, back with { Paths = [], Tags = [] });
    }

    [Theory]
    [InlineData(NodeType.File, 0x1A4u, 1234L, 1_700_000_000_123_456_789L, null)]
    [InlineData(NodeType.Directory, 0x1EDu, 0L, 0L, null)]
    [InlineData(NodeType.Symlink, 0x1FFu, 7L, -1L, "../target")]
    [InlineData(NodeType.File, 0xDEDu, 1L, -1_500_000_000L, null)]
    public void FileEntryRoundTrips(NodeType type, uint mode, long size, long mtimeNs, string? link)
    {
        var entry = new FileEntryInfo("/data/x", type, mode, size, mtimeNs, link, 1000, 100);

        var proto = ProtoMapper.ToProto(entry);

        Assert.InRange(proto.Mtime.Nanos, 0, 999_999_999);
        Assert.Equal(entry, ProtoMapper.FromProto(proto));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xyz")]
    [InlineData("0123456789abcdef")]
    public void BadJobIdsAreFormatErrors(string text)
    {
        var e = Assert.Throws<FormatException>(() => ProtoMapper.ParseJobId(text));
        Assert.Contains("id", e.Message);
    }
}
