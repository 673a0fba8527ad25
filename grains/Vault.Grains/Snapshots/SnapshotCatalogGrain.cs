using Orleans.Concurrency;
using Vault.Grains.Retention;
using Vault.Retention;
using Vault.Snapshots;

namespace Vault.Grains.Snapshots;

[GenerateSerializer, Alias("vault.catalog-state")]
public sealed class SnapshotCatalogState
{
    [Id(0)] public List<SnapshotInfo> Snapshots { get; set; } = [];
}

/// <summary>The repository's committed snapshots, ordered by time. Metadata only.</summary>
public sealed class SnapshotCatalogGrain(
    [PersistentState("catalog", VaultStorage.State)] IPersistentState<SnapshotCatalogState> state) : Grain, ISnapshotCatalogGrain
{
    public const string DefaultRepository = "default";

    public async Task AddAsync(SnapshotInfo snapshot)
    {
        var list = state.State.Snapshots;
        if (list.Any(s => s.Id == snapshot.Id))
        {
            return;
        }

        var at = list.FindLastIndex(s => s.Time <= snapshot.Time) + 1;
        list.Insert(at, snapshot);
        await state.WriteStateAsync();
    }

    [ReadOnly]
    public Task<IReadOnlyList<SnapshotInfo>> ListAsync(string? node = null, string? tag = null, string? path = null) =>
        Task.FromResult<IReadOnlyList<SnapshotInfo>>(Filter(node, tag, path));

    [ReadOnly]
    public Task<SnapshotInfo> ResolveAsync(string reference, string? node = null)
    {
        return Task.FromResult(SnapshotReferences.Resolve(state.State.Snapshots, reference, node));
    }

    [ReadOnly]
    public Task<SnapshotInfo?> TryFindParentAsync(string node, IReadOnlyList<string> paths)
    {
        var wanted = paths.Order(StringComparer.Ordinal).ToArray();
        var parent = state.State.Snapshots.LastOrDefault(s =>
            s.Node == node && s.Paths.Order(StringComparer.Ordinal).SequenceEqual(wanted, StringComparer.Ordinal));
        return Task.FromResult(parent);
    }

    public async Task<ForgetResult> ForgetAsync(ForgetRequest request)
    {
        request.Validate();
        var candidates = Filter(request.Node, request.Tag, request.Path);
        var plan = request.Policy is { } policy ? RetentionPlanner.Plan(candidates, policy, DateTimeOffset.UtcNow) : [];
        var named = await ResolveNamedAsync(request.Snapshots, candidates);
        plan = RetentionPlanner.WithNamed(plan, named, request.Policy?.GroupBy ?? RetentionPolicy.DefaultGrouping);
        var result = RetentionPlanner.Result(plan, request.DryRun);
        var removed = plan.SelectMany(g => g.Decisions).Where(d => !d.Keep).Select(d => d.Snapshot.Id).ToHashSet();
        if (request.DryRun || removed.Count == 0)
        {
            return result;
        }

        // Snapshots first, catalog last: a crash in between leaves forgotten snapshots still listed, and the
        // same request run again finishes the job (forgetting a snapshot twice changes nothing).
        await Task.WhenAll(removed.Select(id => GrainFactory.GetGrain<ISnapshotGrain>(id.Value).ForgetAsync()));
        state.State.Snapshots.RemoveAll(s => removed.Contains(s.Id));
        await state.WriteStateAsync();
        return result;
    }

    /// <summary>
    /// The snapshots a forget names: ids and prefixes among all snapshots, "latest" among the filtered ones.
    /// A full id of a snapshot forgotten earlier is skipped, so a repeated request succeeds.
    /// </summary>
    private async Task<IReadOnlyList<SnapshotInfo>> ResolveNamedAsync(IReadOnlyList<string> references, IReadOnlyList<SnapshotInfo> filtered)
    {
        var named = new List<SnapshotInfo>();
        foreach (var reference in references)
        {
            var text = reference.Trim().ToLowerInvariant();
            var among = text == "latest" ? filtered : state.State.Snapshots;
            if (SnapshotId.TryParse(text, out var id) && !among.Any(s => s.Id == id)
                && (await GrainFactory.GetGrain<ISnapshotGrain>(id.Value).TryGetAsync())?.State == SnapshotState.Forgotten)
            {
                continue;
            }

            named.Add(SnapshotReferences.Resolve(among, reference, null));
        }

        return named;
    }

    private List<SnapshotInfo> Filter(string? node, string? tag, string? path) =>
        [.. state.State.Snapshots
            .Where(s => string.IsNullOrEmpty(node) || s.Node == node)
            .Where(s => string.IsNullOrEmpty(tag) || s.Tags.Contains(tag))
            .Where(s => string.IsNullOrEmpty(path) || s.Paths.Contains(path))];
}

/// <summary>How a user names a snapshot: a full id, a unique id prefix, or "latest".</summary>
public static class SnapshotReferences
{
    public static SnapshotInfo Resolve(IReadOnlyList<SnapshotInfo> ordered, string reference, string? node)
    {
        var candidates = string.IsNullOrEmpty(node) ? ordered : ordered.Where(s => s.Node == node).ToList();
        var text = reference.Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            throw new InvalidRequestException("a snapshot reference is required (an id, a unique id prefix, or 'latest')");
        }

        if (text == "latest")
        {
            return candidates.Count > 0
                ? candidates[^1]
                : throw new SnapshotNotFoundException(string.IsNullOrEmpty(node) ? "the repository has no snapshots yet" : $"node '{node}' has no snapshots yet");
        }

        if (!text.All(char.IsAsciiHexDigit))
        {
            throw new InvalidRequestException($"'{reference}' is not a snapshot reference: use an id, a unique id prefix, or 'latest'");
        }

        var matches = candidates.Where(s => s.Id.ToString().StartsWith(text, StringComparison.Ordinal)).Take(3).ToList();
        return matches.Count switch
        {
            0 => throw new SnapshotNotFoundException($"no snapshot matches '{reference}'"),
            1 => matches[0],
            _ => throw new AmbiguousSnapshotException($"'{reference}' matches several snapshots ({string.Join(", ", matches.Select(m => m.Id.Short))}…): give more digits"),
        };
    }
}
