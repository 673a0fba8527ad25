namespace Vault.Grains;

/// <summary>Names of the grain storage providers.</summary>
public static class VaultStorage
{
    /// <summary>Snapshots, catalog, schedules: every write durable.</summary>
    public const string State = "vault";

    /// <summary>The chunk index: rebuildable from pack trailers, so writes skip the fsync.</summary>
    public const string Index = "vault-index";
}
