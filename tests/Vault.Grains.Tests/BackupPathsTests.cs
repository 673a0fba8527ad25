using System.Diagnostics;
using Vault.Grains.Backup;

namespace Vault.Grains.Tests;

/// <summary>The normalisation of a backup's paths: nested paths dropped, linear in the input (a hostile request may carry many).</summary>
public sealed class BackupPathsTests
{
    public static TheoryData<string[], string[]> Cases => new()
    {
        { ["/a"], ["/a"] },
        { ["/a/", "/a"], ["/a"] },
        { ["/a/b", "/a"], ["/a"] },
        { ["/a", "/a b", "/a/c"], ["/a", "/a b"] },
        { ["/a b/c", "/a b", "/a/c", "/a!"], ["/a b", "/a!", "/a/c"] },
        { ["/x/../a/./b", "/a"], ["/a"] },
        { ["/", "/etc", "/srv/data"], ["/"] },
        { ["/ab", "/a"], ["/a", "/ab"] },
        { ["/a/b/c", "/a/b-c", "/a/b"], ["/a/b", "/a/b-c"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NormalizePaths_DropsPathsInsideOthers(string[] paths, string[] expected) =>
        Assert.Equal(expected, BackupJob.NormalizePaths(paths));

    [Fact]
    public void NormalizePaths_100000Paths_ReturnsFast()
    {
        // Half of them nested in the other half, in a shuffled order: the pairwise check took minutes here.
        var random = new Random(18);
        var paths = Enumerable.Range(0, 50_000).SelectMany(i => new[] { $"/data/d{i:D6}", $"/data/d{i:D6}/sub/file" })
            .OrderBy(_ => random.Next()).ToList();
        var clock = Stopwatch.StartNew();
        var result = BackupJob.NormalizePaths(paths);
        clock.Stop();
        Assert.Equal(50_000, result.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"normalising 100,000 paths took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
