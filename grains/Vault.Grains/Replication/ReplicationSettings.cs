namespace Vault.Grains.Replication;

/// <summary>How packs are replicated: bound by the silo from Vault:Cluster (see docs/operations.md).</summary>
public sealed record ReplicationSettings
{
    /// <summary>Embedded mode: one node, every pack on the local disk, no roster, no repair.</summary>
    public static ReplicationSettings Embedded { get; } = new() { Clustered = false, Replicas = 1, WriteQuorum = 1 };

    /// <summary>Packs are placed over the roster and repaired; false for the single-node embedded mode.</summary>
    public bool Clustered { get; init; } = true;

    /// <summary>R: the copies of each pack.</summary>
    public int Replicas { get; init; } = 2;

    /// <summary>W: the copies a pack must have on disk before its snapshot may commit (≤ R).</summary>
    public int WriteQuorum { get; init; } = 2;

    /// <summary>Time between two repair passes of a node.</summary>
    public TimeSpan RepairInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Bytes per second a node's repair may push to other nodes.</summary>
    public long RepairBytesPerSecond { get; init; } = 64L * 1024 * 1024;

    /// <summary>A copy that is not an owner's is dropped only after the set of up nodes has been stable this long.</summary>
    public TimeSpan DropAfterStable { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a store of one pack on another node may take before that node counts as unresponsive and the
    /// pack goes to the next node in rendezvous order (well under the 30 s grain response timeout, so a
    /// backup's own calls keep answering while a killed node is not yet declared dead).
    /// </summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node that let a store time out is tried last for further packs.</summary>
    public TimeSpan UnresponsiveFor { get; init; } = TimeSpan.FromSeconds(60);
}
