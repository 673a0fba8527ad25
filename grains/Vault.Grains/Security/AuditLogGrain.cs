using Orleans.Concurrency;
using Vault.Security;

namespace Vault.Grains.Security;

[GenerateSerializer, Alias("vault.audit-state")]
public sealed class AuditLogState
{
    [Id(0)] public List<AuditRecord> Records { get; set; } = [];
}

/// <summary>The newest mutating calls, oldest first in state; older ones fall off the end.</summary>
public sealed class AuditLogGrain(
    [PersistentState("audit", VaultStorage.State)] IPersistentState<AuditLogState> state) : Grain, IAuditLogGrain
{
    public const int Capacity = 1000;

    public async Task AppendAsync(AuditRecord record)
    {
        var records = state.State.Records;
        records.Add(record);
        if (records.Count > Capacity)
        {
            records.RemoveRange(0, records.Count - Capacity);
        }

        await state.WriteStateAsync();
    }

    [ReadOnly]
    public Task<IReadOnlyList<AuditRecord>> ListAsync(int limit)
    {
        var records = state.State.Records;
        var take = Math.Clamp(limit, 0, records.Count);
        IReadOnlyList<AuditRecord> newest = [.. Enumerable.Range(0, take).Select(i => records[records.Count - 1 - i])];
        return Task.FromResult(newest);
    }
}
