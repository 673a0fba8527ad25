// Rebuilding a node's data directory from an off-site target alone (bucket credentials + password):
//
//   1. config.json and keys/master.json from the bucket; the password must unwrap the key (else
//      WrongPasswordException, nothing written).
//   2. every pack under packs/, each checked twice (the object's SHA-256, then PackId = SHA-256 of the
//      bytes) and written to DATA/packs; a pack already there is skipped, so a broken-off recovery resumes.
//   3. every snapshot record under snapshots/ into DATA/offsite/recovered/ (the node imports them, with
//      the index rebuilt from the pack trailers, once it runs: see OffsiteImport in Vault.Grains).
//   4. last, the repository configuration and wrapped key into DATA/repo: a data directory is a repository
//      only once everything else is in place, so a crash before this step leaves a directory that the next
//      recovery completes and that a node refuses to open.
using Vault.Offsite.Stores;
using Vault.Storage;

namespace Vault.Offsite.Recovery;

public static class OffsiteRecovery
{
    /// <summary>Where recovered snapshot records wait for the node to import them.</summary>
    public static string RecoveredDirectory(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "offsite", "recovered");

    public static async Task<OffsiteRecoveryResult> RecoverAsync(IOffsiteStore store, string dataDir, string password, Action<string>? progress, CancellationToken ct)
    {
        dataDir = Path.GetFullPath(dataDir);
        if (File.Exists(Path.Combine(dataDir, "repo", "config.json")))
        {
            throw new InvalidConfigurationException(
                $"{dataDir} already holds a repository (repo/config.json); recover into an empty data directory");
        }

        var config = await store.GetAsync(OffsiteLayout.Config, ct)
            ?? throw new OffsiteException($"target '{store.Name}' holds no {OffsiteLayout.Config} under its prefix: not a Vault off-site copy (check Bucket/Container and Prefix)");
        var key = await store.GetAsync(OffsiteLayout.WrappedKey, ct)
            ?? throw new OffsiteException($"target '{store.Name}' holds no {OffsiteLayout.WrappedKey}: the repository cannot be opened from this copy");
        var master = KeyFiles.Unwrap(key, password);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(master);

        var packs = new LocalPackStore(Path.Combine(dataDir, "packs"));
        long packCount = 0, bytes = 0, skipped = 0;
        await foreach (var objectKey in store.ListAsync(OffsiteLayout.PacksPrefix, ct))
        {
            if (!OffsiteLayout.TryParsePack(objectKey, out var id))
            {
                continue;
            }

            if (packs.Exists(id))
            {
                skipped++;
                continue;
            }

            var pack = await store.GetAsync(objectKey, ct)
                ?? throw new OffsiteException($"target '{store.Name}': {objectKey} was listed but is gone");
            if (PackId.Of(pack) != id)
            {
                throw new OffsiteCorruptException(store.Name, objectKey, "its bytes do not hash to the pack id");
            }

            await packs.WriteAsync(id, pack, ct);
            packCount++;
            bytes += pack.Length;
            if (packCount % 16 == 0)
            {
                progress?.Invoke($"{packCount} packs ({bytes} bytes) recovered");
            }
        }

        var recovered = RecoveredDirectory(dataDir);
        DurableFile.CreateDirectory(recovered);
        var snapshots = 0;
        await foreach (var objectKey in store.ListAsync(OffsiteLayout.SnapshotsPrefix, ct))
        {
            var record = await store.GetAsync(objectKey, ct)
                ?? throw new OffsiteException($"target '{store.Name}': {objectKey} was listed but is gone");
            DurableFile.Write(Path.Combine(recovered, Path.GetFileName(objectKey)), record, mode: null, overwrite: true);
            snapshots++;
        }

        using (LocalRepository.OpenShared(dataDir, password, System.Text.Encoding.UTF8.GetString(config), key))
        {
        }

        return new OffsiteRecoveryResult(packCount + skipped, bytes, snapshots);
    }
}
