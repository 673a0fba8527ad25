namespace Vault.Grains.Backup;

/// <summary>The steps of committing a backup, in order; a crash can fall between any two.</summary>
public enum CommitStep
{
    /// <summary>A pack is on its write quorum; its index entries are not added yet.</summary>
    PackStored,

    /// <summary>Every index entry the snapshot needs is persisted; the snapshot is still pending.</summary>
    IndexFlushed,

    /// <summary>The commit intent is recorded under the lease; the snapshot grain is not committed yet.</summary>
    IntentRecorded,

    /// <summary>The snapshot grain wrote Committed; the catalog does not list it yet.</summary>
    SnapshotWritten,

    /// <summary>The catalog lists the snapshot; the lease and its intent are not cleared yet.</summary>
    CatalogAdded,
}

/// <summary>
/// A seam for tests: throws at a chosen <see cref="CommitStep"/> as a crash there would stop the
/// commit. Registered once per silo; inert unless a test arms it.
/// </summary>
public sealed class CommitFaults
{
    private volatile Func<CommitStep, bool>? _trip;

    /// <summary>Arms the seam: the next time a step passes for which <paramref name="trip"/> is true, it throws.</summary>
    internal void Arm(Func<CommitStep, bool> trip) => _trip = trip;

    internal void Disarm() => _trip = null;

    public void At(CommitStep step)
    {
        if (_trip is { } trip && trip(step))
        {
            // Stands for the node dying at this step: the commit stops here, as a crash would stop it.
            throw new NodeUnavailableException($"injected fault after commit step {step}");
        }
    }
}
