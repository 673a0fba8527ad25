using Vault.Grains.Retention;
using Vault.Peers;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Tests.Shared;

namespace Vault.Grains.Tests;

/// <summary>
/// Forget on the in-process cluster. The catalog is shared with the other tests of the collection, so every
/// test tags its snapshots with a tag of its own and forgets only through that filter.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ForgetTests(VaultClusterFixture cluster) : IDisposable
{
    private readonly string _dir = TestDirs.Create("forget");
    private readonly string _tag = "forget-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => TestDirs.Delete(_dir);

    private ISnapshotCatalogGrain Catalog => cluster.Grains.GetGrain<ISnapshotCatalogGrain>("default");

    [Fact]
    public async Task ForgetAsync_Policy_RemovesFromCatalogMarksForgottenAndKeptStillRestores()
    {
        var source = Path.Combine(_dir, "source");
        AwkwardTree.Create(source, largeFileSize: 200_000, seed: 11);
        var first = await BackupAsync(source);
        File.WriteAllText(Path.Combine(source, "changed.txt"), "second");
        var second = await BackupAsync(source);
        File.WriteAllText(Path.Combine(source, "changed.txt"), "third");
        var third = await BackupAsync(source);

        var result = await Catalog.ForgetAsync(new ForgetRequest { Policy = new RetentionPolicy { KeepLast = 1 }, Tag = _tag });

        Assert.Equal((1, 2, false), (result.Kept, result.Removed, result.DryRun));
        var group = Assert.Single(result.Groups);
        Assert.Equal(cluster.NodeId, group.Node);
        Assert.Equal([third, second, first], group.Decisions.Select(d => d.Snapshot.Id));
        Assert.Equal(["last snapshot"], group.Decisions[0].Reasons);

        // Gone from the catalog, also after the catalog reactivates from its stored state.
        await cluster.Cluster.DeactivateAsync(Catalog);
        Assert.Equal([third], (await Catalog.ListAsync(tag: _tag)).Select(s => s.Id));
        await Assert.ThrowsAsync<SnapshotNotFoundException>(() => Catalog.ResolveAsync(first.ToString()[..16]));
        var forgotten = await cluster.Grains.GetGrain<ISnapshotGrain>(first.Value).TryGetAsync();
        Assert.Equal(SnapshotState.Forgotten, forgotten!.State);
        Assert.Equal([source], forgotten.Paths);
        Assert.Equal(SnapshotState.Committed, (await cluster.Grains.GetGrain<ISnapshotGrain>(third.Value).TryGetAsync())!.State);
        await Assert.ThrowsAsync<SnapshotNotFoundException>(() => cluster.Peer.StartRestoreAsync(new RestoreRequest(first, Path.Combine(_dir, "forgotten"), [])));

        // The kept snapshot's parent was forgotten; the kept one still restores in full.
        var target = Path.Combine(_dir, "target");
        var restore = await cluster.RestoreAsync(third, target);
        Assert.True(restore.State == JobState.Succeeded, restore.Error);
        Assert.Empty(AwkwardTree.Differences(source, target + source));

        // The same policy again finds nothing more to remove.
        var again = await Catalog.ForgetAsync(new ForgetRequest { Policy = new RetentionPolicy { KeepLast = 1 }, Tag = _tag });
        Assert.Equal((1, 0), (again.Kept, again.Removed));
    }

    [Fact]
    public async Task ForgetAsync_DryRun_ChangesNothing()
    {
        var (first, second) = await TwoSnapshotsAsync();

        var result = await Catalog.ForgetAsync(new ForgetRequest
        {
            Policy = new RetentionPolicy { KeepLast = 1 },
            Snapshots = [second.ToString()],
            Tag = _tag,
            DryRun = true,
        });

        Assert.Equal((0, 2, true), (result.Kept, result.Removed, result.DryRun));
        Assert.Equal([RetentionPlanner.NamedReason], Assert.Single(result.Groups).Decisions[0].Reasons);
        Assert.Equal([first, second], (await Catalog.ListAsync(tag: _tag)).Select(s => s.Id));
        foreach (var id in new[] { first, second })
        {
            Assert.Equal(SnapshotState.Committed, (await cluster.Grains.GetGrain<ISnapshotGrain>(id.Value).TryGetAsync())!.State);
        }
    }

    [Fact]
    public async Task ForgetAsync_ById_IsIdempotent_UnknownIsNotFound()
    {
        var (first, second) = await TwoSnapshotsAsync();

        var result = await Catalog.ForgetAsync(new ForgetRequest { Snapshots = [first.ToString()[..20]] });

        Assert.Equal((0, 1), (result.Kept, result.Removed));
        Assert.Equal([second], (await Catalog.ListAsync(tag: _tag)).Select(s => s.Id));

        // By full id a second time: already forgotten, nothing to do. By prefix it is simply unknown now.
        var again = await Catalog.ForgetAsync(new ForgetRequest { Snapshots = [first.ToString().ToUpperInvariant()] });
        Assert.Equal((0, 0), (again.Kept, again.Removed));
        await Assert.ThrowsAsync<SnapshotNotFoundException>(() => Catalog.ForgetAsync(new ForgetRequest { Snapshots = [first.ToString()[..20]] }));
        var unknown = await Assert.ThrowsAsync<SnapshotNotFoundException>(() =>
            Catalog.ForgetAsync(new ForgetRequest { Snapshots = [second.ToString(), SnapshotId.New().ToString()] }));
        Assert.Contains("no snapshot matches", unknown.Message);

        // A refused request changed nothing, not even the snapshot it could resolve.
        Assert.Equal([second], (await Catalog.ListAsync(tag: _tag)).Select(s => s.Id));
    }

    [Fact]
    public async Task ForgetAsync_LatestNamesTheNewestOfTheFilter()
    {
        var (first, second) = await TwoSnapshotsAsync();

        var result = await Catalog.ForgetAsync(new ForgetRequest { Snapshots = ["latest"], Tag = _tag });

        Assert.Equal(second, Assert.Single(Assert.Single(result.Groups).Decisions).Snapshot.Id);
        Assert.Equal([first], (await Catalog.ListAsync(tag: _tag)).Select(s => s.Id));
    }

    [Fact]
    public async Task ForgetAsync_NothingToForgetBy_IsRefused()
    {
        var none = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog.ForgetAsync(new ForgetRequest { Tag = _tag }));
        Assert.Contains("needs a retention policy", none.Message);
        var empty = await Assert.ThrowsAsync<InvalidRequestException>(() => Catalog.ForgetAsync(new ForgetRequest { Policy = new RetentionPolicy(), Tag = _tag }));
        Assert.Contains("has no rule", empty.Message);
    }

    [Fact]
    public async Task CommitAsync_AfterForget_IsRefused()
    {
        var (id, _) = await TwoSnapshotsAsync();
        await Catalog.ForgetAsync(new ForgetRequest { Snapshots = [id.ToString()] });

        var grain = cluster.Grains.GetGrain<ISnapshotGrain>(id.Value);
        var snapshot = (await grain.TryGetAsync())!;
        await Assert.ThrowsAsync<InvalidRequestException>(() => grain.CommitAsync(snapshot with { State = SnapshotState.Committed }));
        Assert.DoesNotContain(await Catalog.ListAsync(tag: _tag), s => s.Id == id);
    }

    /// <summary>Two snapshots of a small tree, tagged with this test's tag, oldest first.</summary>
    private async Task<(SnapshotId First, SnapshotId Second)> TwoSnapshotsAsync()
    {
        var source = Path.Combine(_dir, "small");
        AwkwardTree.Create(source, largeFileSize: 10_000, seed: 12);
        return (await BackupAsync(source), await BackupAsync(source));
    }

    private async Task<SnapshotId> BackupAsync(string source)
    {
        var job = await cluster.WaitAsync(await cluster.Peer.StartBackupAsync(new BackupRequest([source], [_tag], [], null)));
        Assert.True(job.State == JobState.Succeeded, $"backup failed: {job.Error}");
        return job.Snapshot!.Value;
    }
}
