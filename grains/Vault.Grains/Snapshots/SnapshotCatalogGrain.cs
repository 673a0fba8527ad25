using Orleans.Concurrency;
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
    public Task<IReadOnlyList<SnapshotInfo>> ListAsync(string? node = null, string? tag = null, string? path = null)
    {
        IReadOnlyList<SnapshotInfo> result = state.State.Snapshots
            .Where(s => string.IsNullOrEmpty(node) || s.Node == node)
            .Where(s => string.IsNullOrEmpty(tag) || s.Tags.Contains(tag))
            .Where(s => string.IsNullOrEmpty(path) || s.Paths.Contains(path))
            .ToList();
        return Task.FromResult(result);
    }

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

    public Task<Vault.Retention.ForgetResult> ForgetAsync(Vault.Retention.ForgetRequest request) =>
        throw new NotSupportedException("forget is not available yet");
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
