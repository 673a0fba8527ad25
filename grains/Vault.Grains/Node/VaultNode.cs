using Vault.Storage;

namespace Vault.Grains.Node;

/// <summary>
/// This silo's node: its stable id, its repository (config, keys) and its pack store. A
/// singleton of the silo; only node-local code (PeerGrain and the jobs it starts) uses it.
/// </summary>
public sealed class VaultNode(string nodeId, string dataDir, LocalRepository repository, int workers) : IDisposable
{
    /// <summary>The node's data directory (repository, packs, grain state); never backed up.</summary>
    public string DataDir { get; } = Path.GetFullPath(dataDir);

    public string NodeId { get; } = nodeId;

    public LocalRepository Repository { get; } = repository;

    public RepositoryConfig Config => Repository.Config;

    public RepositoryKeys Keys => Repository.Keys;

    public LocalPackStore Packs => Repository.Packs;

    /// <summary>CPU-bound workers per job (chunk, hash, compress).</summary>
    public int Workers { get; } = Math.Max(1, workers);

    public string Hostname { get; } = Environment.MachineName;

    /// <summary>Directories restores may write into (at or below); empty = any absolute path (the embedded default).</summary>
    public IReadOnlyList<string> RestoreRoots { get; init; } = [];

    /// <summary>
    /// Called with each file's path between the backup walk's lstat and its open: the seam that lets
    /// a test replace the file at exactly that moment. Null outside tests.
    /// </summary>
    internal Action<string>? BeforeOpen { get; init; }

    public void Dispose() => Repository.Dispose();
}
