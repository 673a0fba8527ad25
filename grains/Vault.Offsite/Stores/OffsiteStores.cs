namespace Vault.Offsite.Stores;

/// <summary>The node's off-site targets by name (none when Vault:Offsite:Targets is empty).</summary>
public sealed class OffsiteStores(IReadOnlyDictionary<string, IOffsiteStore> all) : IDisposable
{
    public IReadOnlyDictionary<string, IOffsiteStore> All { get; } = all;

    public static OffsiteStores From(OffsiteOptions options) =>
        new(options.Targets.ToDictionary(t => t.Key, t => OffsiteStoreFactory.Create(t.Key, t.Value), StringComparer.Ordinal));

    public IOffsiteStore Get(string name) =>
        All.TryGetValue(name, out var store)
            ? store
            : throw new OffsiteException($"no off-site target '{name}'; the targets are {(All.Count == 0 ? "none (Vault:Offsite:Targets is empty)" : string.Join(", ", All.Keys))}");

    public void Dispose()
    {
        foreach (var store in All.Values.OfType<IDisposable>())
        {
            store.Dispose();
        }
    }
}
