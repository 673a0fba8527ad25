using Vault.Grains.Check;
using Vault.Peers;
using Vault.Retention;
using Vault.Storage;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>
/// `vault check` on a repository of its own (a silo per class): healthy, then with a pack removed
/// and with a byte flipped. Each test puts back what it broke, so the others see a healthy repository.
/// </summary>
public sealed class CheckTests(VaultClusterFixture cluster) : IClassFixture<VaultClusterFixture>, IDisposable
{
    private readonly string _dir = TestDirs.Create("check");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Check_HealthyRepository_PassesStructureAndReadData()
    {
        var source = Path.Combine(_dir, "healthy");
        AwkwardTree.Create(source, largeFileSize: 900_000, seed: 11);
        await cluster.BackupAsync(source);
        File.WriteAllBytes(Path.Combine(source, "added.bin"), AwkwardTree.Bytes(new Random(12), 300_000));
        await cluster.BackupAsync(source);

        var structure = await CheckAsync(0);
        Assert.True(structure.State == JobState.Succeeded, $"{structure.Error}: {string.Join("; ", structure.Warnings)}");
        Assert.Equal(0, structure.Progress.BytesDone);

        var full = await CheckAsync(100);
        Assert.True(full.State == JobState.Succeeded, $"{full.Error}: {string.Join("; ", full.Warnings)}");
        Assert.Equal(JobKind.Check, full.Kind);
        Assert.Empty(full.Warnings);
        Assert.True(full.Progress.TotalsKnown);
        Assert.Equal(full.Progress.FilesTotal, full.Progress.FilesDone);
        var packBytes = cluster.Node.Packs.Enumerate().Sum(cluster.Node.Packs.Length);
        Assert.Equal(packBytes, full.Progress.BytesDone); // every pack here is indexed, and read once
    }

    [Fact]
    public async Task Check_MissingPack_IsFoundByTheStructureCheck()
    {
        var (pack, path) = await cluster.BackUpUniqueFileAsync(Path.Combine(_dir, "missing"), seed: 21);
        var aside = Path.Combine(_dir, "aside");
        File.Move(path, aside);
        try
        {
            var job = await CheckAsync(0);

            Assert.Equal(JobState.Failed, job.State);
            Assert.StartsWith("check found ", job.Error);
            Assert.Contains(job.Warnings, w => w.Contains($"pack {pack}") && w.Contains("missing"));
            Assert.Equal(job.Progress.Errors, job.Warnings.Count);
            Assert.Contains($"check found {job.Progress.Errors} problem", job.Error);
        }
        finally
        {
            File.Move(aside, path);
        }

        var again = await CheckAsync(0);
        Assert.True(again.State == JobState.Succeeded, string.Join("; ", again.Warnings));
    }

    [Fact]
    public async Task Check_FlippedByte_PassesStructure_FailsReadDataNamingThePack()
    {
        var (pack, path) = await cluster.BackUpUniqueFileAsync(Path.Combine(_dir, "flipped"), seed: 31);
        var original = File.ReadAllBytes(path);
        var damaged = original.ToArray();
        damaged[damaged.Length / 2] ^= 0x10;
        File.WriteAllBytes(path, damaged);
        try
        {
            var structure = await CheckAsync(0);
            Assert.True(structure.State == JobState.Succeeded, string.Join("; ", structure.Warnings));

            var read = await CheckAsync(100);
            Assert.Equal(JobState.Failed, read.State);
            var problem = Assert.Single(read.Warnings);
            Assert.Contains($"pack {pack}", problem);
            Assert.Contains("SHA-256", problem);
            Assert.Equal("check found 1 problem", read.Error);
        }
        finally
        {
            File.WriteAllBytes(path, original);
        }
    }

    [Fact]
    public async Task Check_ReadDataSubset_ReadsOnlyItsWindow()
    {
        await cluster.BackUpUniqueFileAsync(Path.Combine(_dir, "subset"), seed: 41);
        var packs = cluster.Node.Packs.Enumerate().ToList();
        var window = packs.Where(p => CheckJob.IsSelected(p, 50, 25)).ToList();

        var job = await cluster.WaitAsync(await cluster.Peer.StartCheckAsync(new CheckRequest { ReadDataPercent = 50, ReadDataOffset = 25 }));

        Assert.True(job.State == JobState.Succeeded, string.Join("; ", job.Warnings));
        Assert.Equal(window.Sum(cluster.Node.Packs.Length), job.Progress.BytesDone);
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(100.5, null)]
    [InlineData(double.NaN, null)]
    [InlineData(10, 100.0)]
    [InlineData(10, -0.1)]
    public async Task StartCheck_OutOfRange_IsRefused(double percent, double? offset)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Peer.StartCheckAsync(new CheckRequest { ReadDataPercent = percent, ReadDataOffset = offset }));
        Assert.Contains(offset is null ? "ReadDataPercent" : "ReadDataOffset", error.Message);
    }

    private async Task<JobInfo> CheckAsync(double percent) =>
        await cluster.WaitAsync(await cluster.Peer.StartCheckAsync(new CheckRequest { ReadDataPercent = percent }));
}

/// <summary>The read-data window: deterministic by pack id; n/t windows cover every pack exactly once.</summary>
public sealed class CheckSelectionTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(10)]
    public void IsSelected_TFixedWindows_CoverEveryPackExactlyOnce(int groups)
    {
        var random = new Random(groups);
        var width = 100.0 / groups;
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            var pack = PackId.FromBytes(bytes);
            var hits = Enumerable.Range(0, groups).Count(g => CheckJob.IsSelected(pack, width, g * width));
            Assert.Equal(1, hits);
        }
    }

    [Fact]
    public void IsSelected_WindowWraps_AndSelectsAboutItsShare()
    {
        var random = new Random(5);
        var packs = Enumerable.Range(0, 4000).Select(_ =>
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            return PackId.FromBytes(bytes);
        }).ToList();

        var share = packs.Count(p => CheckJob.IsSelected(p, 20, 90)) / (double)packs.Count;
        Assert.InRange(share, 0.17, 0.23);
        Assert.All(packs, p => Assert.True(CheckJob.IsSelected(p, 100, 42)));
        // Another offset reads other packs: repeated partial checks move on.
        Assert.Empty(packs.Where(p => CheckJob.IsSelected(p, 20, 90)).Intersect(packs.Where(p => CheckJob.IsSelected(p, 20, 30))));
    }
}
