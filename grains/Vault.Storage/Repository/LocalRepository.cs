// The repository on one node's disk.
//
// Glossary
//   DIR/repo/config.json       RepositoryConfig as camelCase JSON; written last, atomically.
//   DIR/repo/keys/master.json  master key wrapped under the password (KeyFiles), mode 0600.
//   DIR/repo/keys/master.key   the raw 32-byte master key (no password), mode 0600 from creation.
//   DIR/packs/ab/<64 hex>      pack files (LocalPackStore).
//
// Invariants
//   * config.json exists ⇒ the key file exists and the repository is complete.
//   * Opening never creates a new key while packs exist: a new key would orphan them.
//   * Every file is created through a temp file + fsync + rename + directory fsync.
//
// Crash during creation: the order is keys directory, key file, packs directory, config.json.
// A crash leaves (a) nothing, (b) a key file without config: the next OpenOrCreate finishes the
// creation with that same key (it is never replaced), or (c) a complete repository. Temp files
// (*.tmp-*) may remain and are ignored. Packs without config.json are reported, never
// overwritten.
using System.Text.Json;

namespace Vault.Storage;

/// <summary>
/// The repository on one node's disk: DIR/repo/config.json, DIR/repo/keys/, DIR/packs/.
/// </summary>
public sealed class LocalRepository : IDisposable
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private LocalRepository(string dataDir, RepositoryConfig config, RepositoryKeys keys, LocalPackStore packs)
    {
        DataDirectory = dataDir;
        Config = config;
        Keys = keys;
        Packs = packs;
    }

    /// <summary>
    /// Opens the repository under <paramref name="dataDir"/>, creating it on first use.
    /// With a password: the master key is wrapped in repo/keys/master.json. Without: a raw key file
    /// repo/keys/master.key (mode 0600) is created, and <paramref name="createdKeyFile"/> says so.
    /// </summary>
    /// <remarks>
    /// <paramref name="newConfig"/> (null: defaults) is used only when the repository is created; an existing
    /// repository keeps its stored configuration. <paramref name="createdKeyFile"/> is also true when this call
    /// completes a creation that a crash interrupted after the raw key file was written (nobody has seen it yet).
    /// </remarks>
    public static LocalRepository OpenOrCreate(string dataDir, string? password, RepositoryConfig? newConfig, out bool createdKeyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        if (password is { Length: 0 })
        {
            throw new InvalidConfigurationException("The repository password is empty; give a non-empty password, or none to use a key file.");
        }

        var layout = new Layout(Path.GetFullPath(dataDir));
        DurableFile.SecureRoot(layout.Root);
        var packs = new LocalPackStore(layout.Packs);
        createdKeyFile = false;

        if (File.Exists(layout.Config))
        {
            var config = ReadConfig(layout.Config);
            var keys = OpenKeys(layout, password)
                ?? throw new CorruptDataException(
                    $"The repository at {layout.Root} has {layout.Config} but no key file in {layout.Keys} " +
                    "(master.json or master.key); without the master key its packs cannot be read. Restore the key file from a backup.");
            return new LocalRepository(layout.Root, config, keys, packs);
        }

        var existingPack = packs.Enumerate().Select(p => (PackId?)p).FirstOrDefault();
        if (existingPack is not null)
        {
            throw new CorruptDataException(
                $"The repository at {layout.Root} has packs (e.g. {existingPack}) but no {layout.Config}; refusing to create a new " +
                "repository over them. Restore config.json (and the key file) from a backup.");
        }

        var created = newConfig ?? RepositoryConfig.CreateDefault();
        if (created.Created == default)
        {
            created = created with { Created = DateTimeOffset.UtcNow };
        }

        created.Validate();

        var resumed = OpenKeys(layout, password);
        RepositoryKeys newKeys;
        if (resumed is not null)
        {
            newKeys = resumed;
            createdKeyFile = password is null;
        }
        else
        {
            var master = RepositoryKeys.NewMasterKey();
            try
            {
                DurableFile.CreateDirectory(layout.Keys, DurableFile.OwnerOnlyDirectory);
                if (password is not null)
                {
                    DurableFile.Write(layout.WrappedKey, KeyFiles.Wrap(master, password), DurableFile.OwnerOnlyFile, overwrite: false);
                }
                else
                {
                    DurableFile.Write(layout.RawKey, master, DurableFile.OwnerOnlyFile, overwrite: false);
                    createdKeyFile = true;
                }

                newKeys = RepositoryKeys.FromMasterKey(master);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(master);
            }
        }

        try
        {
            DurableFile.CreateDirectory(layout.Packs);
            DurableFile.Write(layout.Config, JsonSerializer.SerializeToUtf8Bytes(created, s_json), mode: null, overwrite: false);
        }
        catch
        {
            newKeys.Dispose();
            throw;
        }

        return new LocalRepository(layout.Root, created, newKeys, packs);
    }

    /// <summary>
    /// A new repository for a cluster: its configuration as JSON and a fresh master key wrapped under
    /// <paramref name="password"/>, to be stored where every node can read them.
    /// </summary>
    public static (string ConfigJson, byte[] KeyFile) NewSharedRepository(RepositoryConfig config, string password)
    {
        config.Validate();
        var master = RepositoryKeys.NewMasterKey();
        try
        {
            return (JsonSerializer.Serialize(config, s_json), KeyFiles.Wrap(master, password));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(master);
        }
    }

    /// <summary>
    /// Opens this node's copy of a cluster's repository: installs the shared configuration and wrapped key
    /// under <paramref name="dataDir"/> when the node has none yet, refuses a data directory that belongs to
    /// another repository, then opens it as usual (the password must unwrap the shared key).
    /// </summary>
    public static LocalRepository OpenShared(string dataDir, string password, string configJson, byte[] keyFile)
    {
        RepositoryConfig shared;
        try
        {
            shared = JsonSerializer.Deserialize<RepositoryConfig>(configJson, s_json)
                ?? throw new CorruptDataException("the cluster's repository configuration holds null.");
        }
        catch (JsonException e)
        {
            throw new CorruptDataException($"the cluster's repository configuration is not valid: {e.Message}", inner: e);
        }

        var layout = new Layout(Path.GetFullPath(dataDir));
        if (File.Exists(layout.Config))
        {
            var local = ReadConfig(layout.Config);
            if (local.RepositoryId != shared.RepositoryId)
            {
                throw new InvalidConfigurationException(
                    $"The data directory {layout.Root} holds repository {local.RepositoryId}, but the cluster's repository is {shared.RepositoryId}; " +
                    "give this node an empty data directory (or the one it used in this cluster).");
            }

            // The cluster's wrapped key is the one that counts: after a password change the local copy
            // is replaced, so the old password stops opening it here too.
            if (!File.Exists(layout.WrappedKey) || !File.ReadAllBytes(layout.WrappedKey).AsSpan().SequenceEqual(keyFile))
            {
                DurableFile.Write(layout.WrappedKey, keyFile, DurableFile.OwnerOnlyFile, overwrite: true);
            }
        }
        else
        {
            DurableFile.CreateDirectory(layout.Keys, DurableFile.OwnerOnlyDirectory);
            if (File.Exists(layout.WrappedKey))
            {
                File.Delete(layout.WrappedKey); // a crash leftover: the cluster's key is the one that counts
            }

            DurableFile.Write(layout.WrappedKey, keyFile, DurableFile.OwnerOnlyFile, overwrite: false);
            DurableFile.CreateDirectory(layout.Packs);
            DurableFile.Write(layout.Config, JsonSerializer.SerializeToUtf8Bytes(shared, s_json), mode: null, overwrite: false);
        }

        return OpenOrCreate(dataDir, password, null, out _);
    }

    /// <summary>
    /// Re-wraps the master key in the data directory under <paramref name="newPassword"/> (atomic replace
    /// of master.json); packs are untouched. Throws WrongPasswordException when the old password does not
    /// open it, InvalidConfigurationException when the repository uses a raw key file instead of a password.
    /// </summary>
    public static void ChangePassword(string dataDir, string oldPassword, string newPassword)
    {
        var layout = new Layout(Path.GetFullPath(dataDir));
        if (!File.Exists(layout.WrappedKey))
        {
            throw new InvalidConfigurationException(File.Exists(layout.RawKey)
                ? $"The repository at {layout.Root} uses a raw key file ({layout.RawKey}), not a password; there is no password to change."
                : $"The repository at {layout.Root} has no key file ({layout.WrappedKey}).");
        }

        var rewrapped = KeyFiles.Rewrap(File.ReadAllBytes(layout.WrappedKey), oldPassword, newPassword);
        DurableFile.Write(layout.WrappedKey, rewrapped, DurableFile.OwnerOnlyFile, overwrite: true);
    }

    /// <summary>Replaces the data directory's wrapped key with the cluster's (atomic, mode 0600).</summary>
    public static void ReplaceWrappedKey(string dataDir, byte[] keyFile) =>
        DurableFile.Write(new Layout(Path.GetFullPath(dataDir)).WrappedKey, keyFile, DurableFile.OwnerOnlyFile, overwrite: true);

    /// <summary>The data directory (holds repo/ and packs/).</summary>
    public string DataDirectory { get; }

    public RepositoryConfig Config { get; }

    public RepositoryKeys Keys { get; }

    public LocalPackStore Packs { get; }

    /// <summary>A chunker with this repository's options and keyed gear table.</summary>
    public Chunker CreateChunker() => Keys.CreateChunker(Config.Chunker);

    public void Dispose() => Keys.Dispose();

    private static RepositoryConfig ReadConfig(string path)
    {
        RepositoryConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<RepositoryConfig>(File.ReadAllBytes(path), s_json);
        }
        catch (JsonException e)
        {
            throw new CorruptDataException($"{path} is not a valid repository configuration: {e.Message}", inner: e);
        }

        if (config is null)
        {
            throw new CorruptDataException($"{path} is not a valid repository configuration: it holds null.");
        }

        try
        {
            config.Validate();
        }
        catch (InvalidConfigurationException e)
        {
            throw new InvalidConfigurationException($"{path}: {e.Message}");
        }

        return config;
    }

    /// <summary>The keys from the key file that matches the way the caller authenticates; null when there is no key file at all.</summary>
    private static RepositoryKeys? OpenKeys(Layout layout, string? password)
    {
        var hasWrapped = File.Exists(layout.WrappedKey);
        var hasRaw = File.Exists(layout.RawKey);
        if (!hasWrapped && !hasRaw)
        {
            return null;
        }

        if (password is not null)
        {
            if (!hasWrapped)
            {
                throw new InvalidConfigurationException(
                    $"The repository at {layout.Root} uses the raw key file {layout.RawKey} and no password, but a password was given. " +
                    "Open it without a password.");
            }

            var master = ReadWrapped(layout.WrappedKey, password);
            try
            {
                return RepositoryKeys.FromMasterKey(master);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(master);
            }
        }

        if (!hasRaw)
        {
            throw new InvalidConfigurationException(
                $"The repository at {layout.Root} is protected by a password (key file {layout.WrappedKey}), but no password was given.");
        }

        var raw = File.ReadAllBytes(layout.RawKey);
        try
        {
            if (raw.Length != RepositoryKeys.MasterKeySize)
            {
                throw new CorruptDataException(
                    $"The key file {layout.RawKey} is {raw.Length} bytes; a raw master key file is exactly {RepositoryKeys.MasterKeySize} bytes.");
            }

            return RepositoryKeys.FromMasterKey(raw);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
        }
    }

    private static byte[] ReadWrapped(string path, string password)
    {
        var file = File.ReadAllBytes(path);
        try
        {
            return KeyFiles.Unwrap(file, password);
        }
        catch (WrongPasswordException)
        {
            throw new WrongPasswordException(
                $"wrong password: the key file {path} could not be opened with the given password (or the file was modified).");
        }
        catch (CorruptDataException e)
        {
            throw new CorruptDataException($"{path}: {e.Message}", inner: e);
        }
    }

    private sealed record Layout(string Root)
    {
        public string Repo => Path.Combine(Root, "repo");
        public string Config => Path.Combine(Repo, "config.json");
        public string Keys => Path.Combine(Repo, "keys");
        public string WrappedKey => Path.Combine(Keys, "master.json");
        public string RawKey => Path.Combine(Keys, "master.key");
        public string Packs => Path.Combine(Root, "packs");
    }
}
