// The node's data directory holds the repository key file, API-key hashes, the audit log and grain
// state: a snapshot of it would hand them to anyone allowed to read snapshots. It is never backed
// up, whichever way a request reaches it: a backup path at or below it is refused (compared after
// resolving symlinks, so another spelling of the same directory is caught), and a walk that meets
// it below a backup path leaves it out (compared by device and inode, so a bind mount or a second
// path to it is left out too).
using Vault.Grains.FileSystem;

namespace Vault.Grains.Backup;

public sealed class DataDirectoryGuard
{
    private readonly string _dataDir;
    private readonly string _real;
    private readonly FileStat? _stat;

    public DataDirectoryGuard(string dataDir)
    {
        _dataDir = Path.GetFullPath(dataDir).TrimEnd('/');
        _real = Native.TryRealPath(_dataDir) ?? _dataDir;
        _stat = Native.TryStat(_real);
    }

    /// <summary>Throws InvalidRequestException when <paramref name="path"/> is the data directory or inside it.</summary>
    public void RefuseIfInside(string path, string nodeId)
    {
        var real = Native.TryRealPath(path) ?? path;
        if (IsAtOrBelow(path, _dataDir) || IsAtOrBelow(real, _real))
        {
            throw new InvalidRequestException(
                $"backup path {path} is {(real == _real || path == _dataDir ? "" : "inside ")}the data directory {_dataDir} of node '{nodeId}' " +
                "(repository key, API-key hashes, audit log, grain state); it is never backed up");
        }
    }

    /// <summary>True for the data directory itself, met during a walk under any name.</summary>
    public bool IsDataDirectory(string path, FileStat stat) =>
        path == _dataDir || (_stat is { } d && stat.Kind == FileKind.Directory && stat.Device == d.Device && stat.Inode == d.Inode);

    private static bool IsAtOrBelow(string path, string root) =>
        path == root || (path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && (root == "/" || path[root.Length] == '/'));
}
