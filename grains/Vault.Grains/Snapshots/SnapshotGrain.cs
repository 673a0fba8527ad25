using Vault.Snapshots;

namespace Vault.Grains.Snapshots;

[GenerateSerializer, Alias("vault.snapshot-state")]
public sealed class SnapshotGrainState
{
    [Id(0)] public SnapshotInfo? Snapshot { get; set; }
}

/// <summary>One snapshot's metadata and lifecycle: pending → committed (→ forgotten, by retention).</summary>
public sealed class SnapshotGrain(
    [PersistentState("snapshot", VaultStorage.State)] IPersistentState<SnapshotGrainState> state) : Grain, ISnapshotGrain
{
    public async Task BeginAsync(SnapshotInfo pending)
    {
        CheckKey(pending);
        if (state.State.Snapshot is { State: not SnapshotState.Pending } existing)
        {
            throw new InvalidRequestException($"snapshot {existing.Id} is already {existing.State.ToString().ToLowerInvariant()}");
        }

        state.State.Snapshot = pending with { State = SnapshotState.Pending };
        await state.WriteStateAsync();
    }

    public async Task CommitAsync(SnapshotInfo committed)
    {
        CheckKey(committed);
        if (state.State.Snapshot is { State: SnapshotState.Committed })
        {
            return;
        }

        state.State.Snapshot = committed with { State = SnapshotState.Committed };
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISnapshotCatalogGrain>(SnapshotCatalogGrain.DefaultRepository).AddAsync(state.State.Snapshot);
    }

    public Task<SnapshotInfo?> TryGetAsync() => Task.FromResult(state.State.Snapshot);

    private void CheckKey(SnapshotInfo info)
    {
        if (info.Id.Value != this.GetPrimaryKey())
        {
            throw new InvalidRequestException($"snapshot {info.Id} sent to the grain of {this.GetPrimaryKey():N}");
        }
    }
}
