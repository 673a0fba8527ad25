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
}
