// Reads one file of a snapshot as a stream (dump): the chunks in order, looked up in batches,
// each read as a single blob from its pack and verified (GCM tag and chunk id) before it is
// handed out. Memory: one batch of locations and one chunk at a time.
using System.Runtime.CompilerServices;
using Vault.Grains.Chunks;
using Vault.Grains.Node;
using Vault.Storage;

namespace Vault.Grains.Restore;

public sealed class FileReader(ChunkIndex index, TreeStore trees, PackReader packs)
{
    private const int LookupBatch = 256;

    /// <summary>The file's node; throws when the path is missing or not a regular file.</summary>
    public async Task<TreeNode> FindFileAsync(ChunkId root, string path, string snapshot, CancellationToken ct)
    {
        var node = await trees.FindAsync(root, path, ct)
            ?? throw new NotFoundException($"path {path} does not exist in snapshot {snapshot}");
        return node.Type == NodeType.File
            ? node
            : throw new InvalidRequestException($"path {path} in snapshot {snapshot} is a {node.Type.ToString().ToLowerInvariant()}, not a file");
    }

    public async IAsyncEnumerable<byte[]> ReadAsync(TreeNode file, [EnumeratorCancellation] CancellationToken ct)
    {
        var content = file.Content;
        for (var at = 0; at < content.Count; at += LookupBatch)
        {
            var batch = content.Skip(at).Take(LookupBatch).ToArray();
            var locations = await index.LookupAsync(batch);
            for (var i = 0; i < batch.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                var location = locations[i] ?? throw new CorruptDataException($"chunk {batch[i]} of file {file.Name} is not in the index", chunk: batch[i]);
                yield return await packs.ReadBlobAsync(batch[i], location, ct);
            }
        }
    }
}
