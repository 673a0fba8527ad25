using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Replication;

namespace Vault.Grains.Backup;

/// <summary>
/// The node's one write path: opens an <see cref="IngestSession"/> for a file backup or a stream,
/// with the replicator, index, settings and seams of this node (all from DI, none optional).
/// </summary>
public sealed class IngestPath(
    VaultNode node,
    ChunkIndex index,
    PackReplicator replicator,
    IGrainFactory grains,
    CommitFaults faults,
    IngestSettings settings,
    TimeProvider time)
{
    public IngestSettings Settings => settings;

    /// <summary>Takes the backup's GC lease and starts its pipeline; the job's snapshot id must be set.</summary>
    public Task<IngestSession> BeginAsync(JobRecord record, IReadOnlyList<string> paths, CancellationToken ct) =>
        IngestSession.BeginAsync(node, index, replicator, grains, record, paths, faults, settings, time, ct);
}
