// Where the repository lives in a bucket, below the target's prefix:
//
//   config.json                  the repository configuration (as on a node: repo/config.json)
//   keys/master.json             the master key wrapped under the repository password (never the raw key)
//   packs/ab/<64 hex>            packs, as on a node; the key is the pack's SHA-256 (its PackId)
//   snapshots/<snapshot id>.json one committed snapshot's metadata (JSON), written after its packs
//
// Everything but config.json and snapshots/ is encrypted by the repository's keys before it leaves the
// node; the snapshot records hold names of nodes and paths, not file contents. Upload order gives the
// invariant recovery relies on: a snapshot record is written only after every pack it needs is there.
using Vault.Storage;

namespace Vault.Offsite;

public static class OffsiteLayout
{
    public const string Config = "config.json";
    public const string WrappedKey = "keys/master.json";
    public const string PacksPrefix = "packs/";
    public const string SnapshotsPrefix = "snapshots/";

    public static string Pack(PackId id)
    {
        var hex = id.ToString();
        return $"{PacksPrefix}{hex[..2]}/{hex}";
    }

    public static bool TryParsePack(string key, out PackId id)
    {
        id = default;
        return key.StartsWith(PacksPrefix, StringComparison.Ordinal)
            && PackId.TryParse(key[(key.LastIndexOf('/') + 1)..], out id)
            && Pack(id) == key;
    }

    public static string Snapshot(string snapshotId) => $"{SnapshotsPrefix}{snapshotId}.json";

    /// <summary>"" or the prefix with exactly one trailing '/'.</summary>
    public static string NormalizePrefix(string prefix) =>
        prefix.Trim('/') is { Length: > 0 } p ? p + "/" : "";
}
