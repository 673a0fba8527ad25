using Vault.Snapshots;

namespace Vault.Grains.Snapshots;

[GenerateSerializer, Alias("vault.snapshot-state")]
public sealed class SnapshotGrainState
{
    [Id(0)] public SnapshotInfo? Snapshot { get; set; }
}

/// <summary>One snapshot's metadata and lifecycle: pending → committed (→ forgotten, by retention).</summary>
public sealed class SnapshotGrain(
    [PersistentState("snapshot", VaultStorage.State)] IPersistentState<SnapshotGrainState> state,
    Backup.CommitFaults faults) : Grain, ISnapshotGrain
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
        switch (state.State.Snapshot?.State)
        {
            case SnapshotState.Committed:
                // A retry after a crash between the write and the catalog: the catalog add is idempotent, so repeat it.
                break;
            case SnapshotState.Forgotten:
                // A late retry must not bring a forgotten snapshot back into the catalog.
                throw new InvalidRequestException($"snapshot {committed.Id} was forgotten; it cannot be committed again");
            default:
                state.State.Snapshot = committed with { State = SnapshotState.Committed };
                await state.WriteStateAsync();
                break;
        }

        faults.At(Backup.CommitStep.SnapshotWritten);
        await GrainFactory.GetGrain<ISnapshotCatalogGrain>(SnapshotCatalogGrain.DefaultRepository).AddAsync(state.State.Snapshot!);
    }

    public Task<SnapshotInfo?> TryGetAsync() => Task.FromResult(state.State.Snapshot);

    public async Task ForgetAsync()
    {
        var snapshot = state.State.Snapshot ?? throw new SnapshotNotFoundException($"snapshot {this.GetPrimaryKey():N} does not exist");
        if (snapshot.State == SnapshotState.Forgotten)
        {
            return;
        }

        state.State.Snapshot = snapshot with { State = SnapshotState.Forgotten };
        await state.WriteStateAsync();
    }

    private void CheckKey(SnapshotInfo info)
    {
        if (info.Id.Value != this.GetPrimaryKey())
        {
            throw new InvalidRequestException($"snapshot {info.Id} sent to the grain of {this.GetPrimaryKey():N}");
        }
    }
}
