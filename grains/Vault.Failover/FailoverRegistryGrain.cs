using Vault.Failover;

namespace Vault.Grains.Failover;

[GenerateSerializer, Alias("vault.failover-registry-state")]
public sealed class FailoverRegistryState
{
    [Id(0)] public SortedSet<string> Services { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The names of the configured failover services, so status can list them all.</summary>
public sealed class FailoverRegistryGrain(
    [PersistentState("failover-registry", VaultStorage.State)] IPersistentState<FailoverRegistryState> store) : Grain, IFailoverRegistryGrain
{
    public async Task AddAsync(string service)
    {
        if (store.State.Services.Add(service))
        {
            await store.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(store.State.Services.ToList());
}
