using Vault.Grains.Chunks;
using Vault.Storage;

namespace Vault.Grains.Node;

/// <summary>Loads directory trees by id: index lookup, verified blob read, validated decode.</summary>
public sealed class TreeStore(ChunkIndex index, PackReader packs)
{
    public async Task<IReadOnlyList<TreeNode>> LoadAsync(ChunkId id, CancellationToken ct)
    {
        var locations = await index.LookupAsync([id]);
        var location = locations[0] ?? throw new CorruptDataException($"tree {id} is not in the index", chunk: id);
        if (location.Kind != BlobKind.Tree)
        {
            throw new CorruptDataException($"chunk {id} in pack {location.Pack} is not a tree", location.Pack, id);
        }

        var bytes = await packs.ReadBlobAsync(id, location, ct);
        try
        {
            return TreeCodec.Decode(bytes);
        }
        catch (InvalidTreeException e)
        {
            throw new InvalidTreeException($"tree {id}: {e.Message}");
        }
    }

    /// <summary>Follows an absolute snapshot path ("/a/b") from the root; null when it does not exist.</summary>
    public async Task<TreeNode?> FindAsync(ChunkId root, string path, CancellationToken ct)
    {
        var parts = SnapshotPaths.Split(path);
        TreeNode current = new() { Name = "/", Type = NodeType.Directory, Subtree = root };
        foreach (var part in parts)
        {
            if (current.Type != NodeType.Directory || current.Subtree is not { } sub)
            {
                return null;
            }

            var nodes = await LoadAsync(sub, ct);
            var next = nodes.FirstOrDefault(n => n.Name == part);
            if (next is null)
            {
                return null;
            }

            current = next;
        }

        return current;
    }
}

/// <summary>Absolute paths inside a snapshot: "/" separated, no "." or "..".</summary>
public static class SnapshotPaths
{
    public static string[] Split(string path)
    {
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw new InvalidRequestException($"'{path}' is not an absolute snapshot path (it must start with '/')");
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var p in parts)
        {
            if (p is "." or "..")
            {
                throw new InvalidRequestException($"'{path}' must not contain '.' or '..'");
            }
        }

        return parts;
    }

    public static string Join(string parent, string name) => parent == "/" ? "/" + name : parent + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="prefix"/> or lies below it.</summary>
    public static bool IsAtOrBelow(string path, string prefix) =>
        prefix == "/" || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
}
