// Committing a snapshot, idempotent end to end. The steps, each a crash point:
//
//   1. the intent (lease → snapshot) is written to this grain's state, under a valid lease;
//   2. SnapshotGrain writes Committed;
//   3. the catalog lists the snapshot;
//   4. the intent, the lease and the backup's checkpoints are cleared.
//
// A crash before 1 leaves no snapshot (a pending one, never listed). From 1 on, the commit is
// finished by whoever comes next: the backup's retry, the release of its lease, or
// RecoverCommitsAsync, which every silo calls when it starts (CommitRecovery). Steps 2-4 are
// idempotent, so finishing twice changes nothing. While an intent is recorded its lease never
// expires, so GC keeps waiting for it and cannot collect what the snapshot needs.
using Vault.Grains.Backup;
using Vault.Retention;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Retention;

public sealed partial class RetentionGrain
{
    public async Task CommitSnapshotAsync(Guid lease, SnapshotInfo committed)
    {
        if (state.State.Committing.TryGetValue(lease, out var intent))
        {
            if (intent.Id != committed.Id)
            {
                throw new InvalidRequestException($"lease {lease:N} is committing snapshot {intent.Id}, not {committed.Id}");
            }
        }
        else
        {
            Valid(lease);
            state.State.Committing[lease] = committed;
            await state.WriteStateAsync();
        }

        faults.At(CommitStep.IntentRecorded);
        await FinishCommitAsync(lease, state.State.Committing[lease]);
    }

    public async Task ReleaseLeaseAsync(Guid lease)
    {
        if (state.State.Committing.TryGetValue(lease, out var intent))
        {
            // The backup gave up after recording its intent: the commit is finished, not dropped.
            await FinishCommitAsync(lease, intent);
            return;
        }

        // The backup's checkpoints stay (see CheckpointAsync): the next backup resumes from them.
        if (state.State.Leases.Remove(lease))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task<int> RecoverCommitsAsync()
    {
        var pending = state.State.Committing.ToList();
        foreach (var (lease, intent) in pending)
        {
            await FinishCommitAsync(lease, intent);
            LogCommitRecovered(intent.Id.ToString(), lease);
        }

        return pending.Count;
    }

    public async Task CheckpointAsync(Guid lease, BackupCheckpoint checkpoint)
    {
        var current = Valid(lease);
        var now = time.GetUtcNow();
        if (!state.State.Checkpoints.TryGetValue(lease, out var record))
        {
            state.State.Checkpoints[lease] = record = new CheckpointRecord { Node = checkpoint.Node, Paths = [.. checkpoint.Paths] };
        }

        record.Packs.AddRange(checkpoint.Packs);
        record.Last = now;
        // A checkpoint is a sign of life: it renews the lease too.
        state.State.Leases[lease] = current with { Expires = now + settings.LeaseDuration };
        await state.WriteStateAsync();
    }

    public async Task<IReadOnlyList<PackId>> ListCheckpointPacksAsync()
    {
        var now = time.GetUtcNow();
        var stale = state.State.Checkpoints
            .Where(c => !state.State.Leases.ContainsKey(c.Key) && c.Value.Last + settings.CheckpointKeep < now)
            .Select(c => c.Key)
            .ToList();
        foreach (var lease in stale)
        {
            state.State.Checkpoints.Remove(lease);
        }

        if (stale.Count > 0)
        {
            await state.WriteStateAsync();
        }

        return state.State.Checkpoints.Values.SelectMany(c => c.Packs).Distinct().ToList();
    }

    private async Task FinishCommitAsync(Guid lease, SnapshotInfo committed)
    {
        // Writes Committed if it is not yet, and adds the snapshot to the catalog either way.
        await GrainFactory.GetGrain<ISnapshotGrain>(committed.Id.Value).CommitAsync(committed);
        faults.At(CommitStep.CatalogAdded);
        state.State.Committing.Remove(lease);
        state.State.Leases.Remove(lease);
        // The snapshot now references what its checkpoints kept, and so does every earlier
        // checkpoint of the same node and paths that this backup resumed from.
        state.State.Checkpoints.Remove(lease);
        var paths = committed.Paths.Order(StringComparer.Ordinal).ToList();
        foreach (var (id, record) in state.State.Checkpoints.ToList())
        {
            if (record.Node == committed.Node && record.Paths.Order(StringComparer.Ordinal).SequenceEqual(paths, StringComparer.Ordinal) && !state.State.Leases.ContainsKey(id))
            {
                state.State.Checkpoints.Remove(id);
            }
        }

        await state.WriteStateAsync();
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Finished the interrupted commit of snapshot {Snapshot} (lease {Lease})")]
    private partial void LogCommitRecovered(string snapshot, Guid lease);
}
