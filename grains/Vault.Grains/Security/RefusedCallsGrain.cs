using Orleans.Concurrency;
using Vault.Security;

namespace Vault.Grains.Security;

[GenerateSerializer, Alias("vault.refused-calls-state")]
public sealed class RefusedCallsState
{
    [Id(0)] public List<RefusedCalls> Rows { get; set; } = [];
}

/// <summary>
/// Aggregated refused unauthenticated calls. At most <see cref="Capacity"/> rows (client, method, reason): when
/// full, the row seen least recently is dropped — never a record of the audit log, which lives elsewhere.
/// </summary>
public sealed class RefusedCallsGrain(
    [PersistentState("refused-calls", VaultStorage.State)] IPersistentState<RefusedCallsState> state) : Grain, IRefusedCallsGrain
{
    public const int Capacity = 1000;

    public async Task AddAsync(IReadOnlyList<RefusedCalls> batch)
    {
        var rows = state.State.Rows.ToDictionary(r => (r.Client, r.What, r.Reason));
        foreach (var add in batch)
        {
            var key = (add.Client, add.What, add.Reason);
            rows[key] = rows.TryGetValue(key, out var row)
                ? row with
                {
                    Count = row.Count + add.Count,
                    First = row.First < add.First ? row.First : add.First,
                    Last = row.Last > add.Last ? row.Last : add.Last,
                }
                : add;
        }

        state.State.Rows = [.. rows.Values.OrderByDescending(r => r.Last).Take(Capacity)];
        await state.WriteStateAsync();
    }

    [ReadOnly]
    public Task<IReadOnlyList<RefusedCalls>> ListAsync(int limit)
    {
        IReadOnlyList<RefusedCalls> newest = [.. state.State.Rows.OrderByDescending(r => r.Last).Take(Math.Max(0, limit))];
        return Task.FromResult(newest);
    }
}
