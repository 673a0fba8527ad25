// Pack placement without location tables (ARCHITECTURE §4): the owners of a pack are the top R
// nodes by rendezvous (highest random weight) hashing of (pack id, node id). Every node computes
// the same order from the same roster, adding or removing a node moves only the packs whose top R
// it enters or leaves, and the cost is O(nodes) per pack.
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Vault.Storage;

namespace Vault.Grains.Placement;

public static class Rendezvous
{
    /// <summary>The weight of a node for a pack: the first 8 bytes of SHA-256(pack id ‖ node id).</summary>
    public static ulong Weight(PackId pack, string node)
    {
        Span<byte> input = stackalloc byte[Hash256.Size + Encoding.UTF8.GetMaxByteCount(node.Length)];
        pack.WriteTo(input);
        var length = Hash256.Size + Encoding.UTF8.GetBytes(node, input[Hash256.Size..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..length], hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>Every node, highest weight first (ties, which need a hash collision, by node id).</summary>
    public static List<string> Rank(PackId pack, IEnumerable<string> nodes)
    {
        var weighted = nodes.Distinct(StringComparer.Ordinal).Select(n => (Node: n, Weight: Weight(pack, n))).ToList();
        weighted.Sort((a, b) => b.Weight != a.Weight ? b.Weight.CompareTo(a.Weight) : string.CompareOrdinal(a.Node, b.Node));
        return weighted.ConvertAll(w => w.Node);
    }
}
