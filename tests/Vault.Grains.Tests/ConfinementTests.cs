using System.Collections.Concurrent;
using Vault.Peers;

namespace Vault.Grains.Tests;

/// <summary>A node with Vault:Restore:AllowedRoots and a seam between the backup's lstat and open.</summary>
public sealed class ConfinementFixture : VaultClusterFixture
{
    public string Allowed => Path.Combine(Root, "allowed");

    /// <summary>Actions run once when the backup is about to open the file at their path.</summary>
    public ConcurrentDictionary<string, Action> Swaps { get; } = new(StringComparer.Ordinal);

    protected override IReadOnlyList<string> RestoreRoots => [Allowed];

    protected override Action<string>? BeforeOpen => path =>
    {
        if (Swaps.TryRemove(path, out var swap))
        {
            swap();
        }
    };
}

[CollectionDefinition(Name)]
public sealed class ConfinementCollection : ICollectionFixture<ConfinementFixture>
{
    public const string Name = "confinement";
}

/// <summary>Restores stay inside the allowed roots; backups read only what they listed and never the data directory.</summary>
[Collection(ConfinementCollection.Name)]
public sealed class ConfinementTests(ConfinementFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("confinement");

    public void Dispose() => TestDirs.Delete(_dir);

    [Fact]
    public async Task Restore_ThroughSymlinkRestoredEarlier_WritesNothingOutside()
    {
        var outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(outside);
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "escaped"), "must stay inside");
        File.CreateSymbolicLink(Path.Combine(source, "link_out"), outside);
        var job = await cluster.BackupAsync(source);

        // The first restore puts link_out (a symlink to outside) inside the allowed root...
        var t3 = Path.Combine(cluster.Allowed, "t3");
        var first = await cluster.RestoreAsync(job.Snapshot!.Value, t3);
        Assert.True(first.State == JobState.Succeeded, first.Error);
        var link = t3 + source + "/link_out";
        Assert.Equal(outside, new FileInfo(link).LinkTarget);

        // ...and a second restore targets a path through it: textually inside, really outside.
        var second = await cluster.RestoreAsync(job.Snapshot!.Value, Path.Combine(link, "escaped"));
        Assert.Equal(JobState.Failed, second.State);
        Assert.Contains("link_out is a symlink, not a directory: not followed", second.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public async Task Restore_OutsideAllowedRoots_IsRefusedBeforeAnyJob()
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Peer.StartRestoreAsync(new RestoreRequest(SnapshotId.New(), Path.Combine(_dir, "elsewhere"), [])));
        Assert.Contains("outside the allowed roots", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "elsewhere")));
    }

    [Fact]
    public async Task Backup_FileSwappedForSymlinkAfterLstat_IsSkippedWithAWarning()
    {
        var secret = Path.Combine(_dir, "secret");
        File.WriteAllText(secret, "outside file: must not be captured");
        var source = Path.Combine(_dir, "source");
        Directory.CreateDirectory(source);
        var victim = Path.Combine(source, "b.txt");
        File.WriteAllText(Path.Combine(source, "a.txt"), "kept");
        File.WriteAllText(victim, "listed as a file");
        cluster.Swaps[victim] = () =>
        {
            File.Delete(victim);
            File.CreateSymbolicLink(victim, secret);
        };

        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [], [], null)));
        Assert.True(job.State == JobState.Succeeded, job.Error);
        Assert.False(cluster.Swaps.ContainsKey(victim), "the seam never ran: the backup did not open the file");
        Assert.Equal(1, job.Progress.Errors);
        Assert.Contains(job.Warnings, w => w.Contains(victim) && w.Contains("replaced by a symbolic link after it was listed"));

        var restored = Path.Combine(cluster.Allowed, "swap-" + Guid.NewGuid().ToString("N")[..8]);
        var restore = await cluster.RestoreAsync(job.Snapshot!.Value, restored);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Equal("kept", File.ReadAllText(restored + source + "/a.txt"));
        Assert.False(File.Exists(restored + source + "/b.txt"), "the swapped file was captured");
    }

    [Fact]
    public async Task Backup_DataDirectoryItself_IsRefused()
    {
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Peer.StartBackupAsync(new BackupRequest([cluster.Node.DataDir], [], [], null)));
        Assert.Contains($"is the data directory {cluster.Node.DataDir}", e.Message);
    }

    [Fact]
    public async Task Backup_PathInsideDataDirectory_IsRefused()
    {
        var inside = Path.Combine(cluster.Node.DataDir, "repo");
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Peer.StartBackupAsync(new BackupRequest([inside], [], [], null)));
        Assert.Contains("is inside the data directory", e.Message);
    }

    [Fact]
    public async Task Backup_DataDirectoryThroughSymlink_IsRefused()
    {
        var link = Path.Combine(_dir, "data-link");
        File.CreateSymbolicLink(link, cluster.Node.DataDir);
        var e = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Peer.StartBackupAsync(new BackupRequest([link + "/repo"], [], [], null)));
        Assert.Contains("the data directory", e.Message);
    }

    [Fact]
    public async Task Backup_AncestorOfDataDirectory_LeavesItOut()
    {
        // The fixture's root holds the node's data directory (and the allowed restore root).
        var parent = Path.GetDirectoryName(cluster.Node.DataDir)!;
        var marker = Path.Combine(parent, "beside-data.txt");
        File.WriteAllText(marker, "backed up");
        var job = await cluster.BackupAsync(parent);

        var entries = new List<FileEntryInfo>();
        await foreach (var e in cluster.Peer.ListFilesAsync(job.Snapshot!.Value, parent, recursive: true))
        {
            entries.Add(e);
        }

        Assert.Contains(entries, e => e.Path == marker);
        Assert.DoesNotContain(entries, e => e.Path == cluster.Node.DataDir || e.Path.StartsWith(cluster.Node.DataDir + "/", StringComparison.Ordinal));
    }
}
