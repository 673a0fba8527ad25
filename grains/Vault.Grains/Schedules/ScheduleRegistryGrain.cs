using Vault.Schedules;

namespace Vault.Grains.Schedules;

[GenerateSerializer, Alias("vault.schedule-registry-state")]
public sealed class ScheduleRegistryState
{
    [Id(0)] public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The names of all schedules, so they can be listed.</summary>
public sealed class ScheduleRegistryGrain(
    [PersistentState("schedule-registry", VaultStorage.State)] IPersistentState<ScheduleRegistryState> store) : Grain, IScheduleRegistryGrain
{
    public async Task AddAsync(string name)
    {
        if (store.State.Names.Add(name))
        {
            await store.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (store.State.Names.Remove(name))
        {
            await store.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(store.State.Names.ToList());
}
