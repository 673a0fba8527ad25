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

    public void Dispose() => Repository.Dispose();
}
