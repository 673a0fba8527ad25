// Directory trees.
//
// Glossary
//   tree     the encoding of one directory: its entries (TreeNode), sorted by name. Stored as a
//            chunk of kind Tree; a directory entry points at its child tree by chunk id (Subtree).
//   varint   unsigned LEB128 (7 bits per byte, low bits first), minimal length.
//   zigzag   signed → unsigned mapping ((v << 1) ^ (v >> 63)) so small negatives stay short.
//
// Encoding (version 1)
//   version u8 = 1, count varint, then per node in ascending ordinal order of the UTF-8 name bytes:
//     name (varint length + UTF-8), type u8, mode varint, uid varint, gid varint,
//     mtime zigzag varint, ctime zigzag varint, size varint, inode varint, device varint,
//     flags u8 (bit 0: link target follows, bit 1: subtree follows; other bits zero),
//     [link target: varint length + UTF-8], content count varint + count × 32-byte chunk ids,
//     [subtree: 32-byte chunk id]
//
// Invariants
//   * Deterministic: equal directories encode to equal bytes (so they dedup), and Decode refuses
//     any other encoding of them (unsorted entries, overlong varints, trailing bytes).
//   * Every name passes NodeNames.IsValid and is unique; Directory has a subtree and no content,
//     File has no subtree or link target, Symlink has a link target and nothing else.
//   * Decode never trusts a count or length: each is bounded by the bytes that remain.
//
// Crash behaviour: pure computation.
using System.Buffers;
using System.Text;

namespace Vault.Storage;

/// <summary>Deterministic binary encoding of a directory (sorted by ordinal name) so identical directories dedup.</summary>
public static class TreeCodec
{
    public const byte Version = 1;
    public const int MaxLinkTargetBytes = 4096;

    private const byte FlagLink = 1;
    private const byte FlagSubtree = 2;
    private const int MinNodeBytes = 13;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates names (<see cref="NodeNames"/>) and uniqueness; sorts. Throws <see cref="InvalidTreeException"/>.</summary>
    public static byte[] Encode(IReadOnlyList<TreeNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var names = new byte[nodes.Count][];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i] ?? throw new InvalidTreeException($"tree entry {i} is null.");
            if (!NodeNames.IsValid(node.Name, out var reason))
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(node.Name)}): {reason}.");
            }

            var problem = StructureProblem(node);
            if (problem is not null)
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(node.Name)}): {problem}.");
            }

            names[i] = StrictUtf8.GetBytes(node.Name);
        }

        var order = new int[nodes.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => names[a].AsSpan().SequenceCompareTo(names[b]));
        for (var i = 1; i < order.Length; i++)
        {
            if (names[order[i - 1]].AsSpan().SequenceEqual(names[order[i]]))
            {
                throw new InvalidTreeException(
                    $"tree entries {order[i - 1]} and {order[i]} have the same name {NodeNames.Display(nodes[order[i]].Name)}.");
            }
        }

        var writer = new ArrayBufferWriter<byte>(16 + (nodes.Count * 64));
        WriteHeader(writer, nodes.Count);
        foreach (var i in order)
        {
            WriteNode(writer, nodes[i], names[i]);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes exactly the given nodes in the given order, without any check: tests build hostile trees with it.</summary>
    internal static byte[] EncodeUnchecked(IReadOnlyList<TreeNode> nodes)
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteHeader(writer, nodes.Count);
        foreach (var node in nodes)
        {
            WriteNode(writer, node, Encoding.UTF8.GetBytes(node.Name ?? ""));
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Validates everything Encode validates, plus structure. Throws <see cref="InvalidTreeException"/>.</summary>
    public static IReadOnlyList<TreeNode> Decode(ReadOnlySpan<byte> bytes)
    {
        var r = new Reader(bytes);
        if (bytes.IsEmpty)
        {
            throw new InvalidTreeException("tree: empty (no version byte).");
        }

        var version = r.Byte("version");
        if (version != Version)
        {
            throw new InvalidTreeException($"tree: version {version} is not supported (this program reads version {Version}).");
        }

        var count = r.Varint("entry count");
        if (count > (ulong)(r.Remaining / MinNodeBytes))
        {
            throw new InvalidTreeException($"tree: claims {count} entries but only {r.Remaining} bytes follow.");
        }

        var nodes = new TreeNode[(int)count];
        ReadOnlySpan<byte> previousName = default;
        for (var i = 0; i < nodes.Length; i++)
        {
            r.Entry = i;
            var nameBytes = r.Bytes(NodeNames.MaxNameBytes, "name");
            var name = r.Utf8(nameBytes, "name");
            if (!NodeNames.IsValid(name, out var reason))
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): {reason}; refusing this tree.");
            }

            if (i > 0)
            {
                var order = previousName.SequenceCompareTo(nameBytes);
                if (order == 0)
                {
                    throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): duplicate name; refusing this tree.");
                }

                if (order > 0)
                {
                    throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): entries are not sorted by name.");
                }
            }

            previousName = nameBytes;
            var type = (NodeType)r.Byte("type");
            var mode = r.UInt32("mode");
            var uid = r.UInt32("uid");
            var gid = r.UInt32("gid");
            var mtime = Unzigzag(r.Varint("mtime"));
            var ctime = Unzigzag(r.Varint("ctime"));
            var size = r.Varint("size");
            if (size > long.MaxValue)
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): size {size} is out of range.");
            }

            var inode = r.Varint("inode");
            var device = r.Varint("device");
            var flags = r.Byte("flags");
            if ((flags & ~(FlagLink | FlagSubtree)) != 0)
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): unknown flags 0x{flags:x2}.");
            }

            string? link = null;
            if ((flags & FlagLink) != 0)
            {
                link = r.Utf8(r.Bytes(MaxLinkTargetBytes, "link target"), "link target");
            }

            var contentCount = r.Varint("content count");
            if (contentCount > (ulong)(r.Remaining / Hash256.Size))
            {
                throw new InvalidTreeException(
                    $"tree entry {i} ({NodeNames.Display(name)}): claims {contentCount} content chunks but only {r.Remaining} bytes follow.");
            }

            var content = contentCount == 0 ? [] : new ChunkId[(int)contentCount];
            for (var c = 0; c < content.Length; c++)
            {
                content[c] = ChunkId.FromBytes(r.Fixed(Hash256.Size, "content id"));
            }

            ChunkId? subtree = (flags & FlagSubtree) != 0 ? ChunkId.FromBytes(r.Fixed(Hash256.Size, "subtree id")) : null;
            var node = new TreeNode
            {
                Name = name,
                Type = type,
                Mode = mode,
                Uid = uid,
                Gid = gid,
                MTimeNs = mtime,
                CTimeNs = ctime,
                Size = (long)size,
                Inode = inode,
                Device = device,
                LinkTarget = link,
                Content = content,
                Subtree = subtree,
            };
            var problem = StructureProblem(node);
            if (problem is not null)
            {
                throw new InvalidTreeException($"tree entry {i} ({NodeNames.Display(name)}): {problem}; refusing this tree.");
            }

            nodes[i] = node;
        }

        if (r.Remaining != 0)
        {
            throw new InvalidTreeException($"tree: {r.Remaining} unexpected bytes after the last entry.");
        }

        return nodes;
    }

    private static string? StructureProblem(TreeNode node)
    {
        if (node.Content is null)
        {
            return "the content list is null";
        }

        if (node.Size < 0)
        {
            return $"the size {node.Size} is negative";
        }

        switch (node.Type)
        {
            case NodeType.File:
                if (node.Subtree is not null)
                {
                    return "a file has a subtree";
                }

                if (node.LinkTarget is not null)
                {
                    return "a file has a link target";
                }

                return null;
            case NodeType.Directory:
                if (node.Subtree is null)
                {
                    return "a directory has no subtree";
                }

                if (node.Content.Count != 0)
                {
                    return "a directory has content chunks";
                }

                if (node.LinkTarget is not null)
                {
                    return "a directory has a link target";
                }

                return null;
            case NodeType.Symlink:
                if (string.IsNullOrEmpty(node.LinkTarget))
                {
                    return "a symlink has no link target";
                }

                if (node.LinkTarget.Contains('\0'))
                {
                    return "the link target contains a NUL character";
                }

                int bytes;
                try
                {
                    bytes = StrictUtf8.GetByteCount(node.LinkTarget);
                }
                catch (EncoderFallbackException)
                {
                    return "the link target is not valid Unicode";
                }

                if (bytes > MaxLinkTargetBytes)
                {
                    return $"the link target is {bytes} bytes; at most {MaxLinkTargetBytes}";
                }

                if (node.Content.Count != 0)
                {
                    return "a symlink has content chunks";
                }

                if (node.Subtree is not null)
                {
                    return "a symlink has a subtree";
                }

                return null;
            default:
                return $"unknown node type {(byte)node.Type}";
        }
    }

    private static void WriteHeader(ArrayBufferWriter<byte> w, int count)
    {
        w.GetSpan(1)[0] = Version;
        w.Advance(1);
        WriteVarint(w, (ulong)count);
    }

    private static void WriteNode(ArrayBufferWriter<byte> w, TreeNode node, byte[] name)
    {
        WriteBytes(w, name);
        w.GetSpan(1)[0] = (byte)node.Type;
        w.Advance(1);
        WriteVarint(w, node.Mode);
        WriteVarint(w, node.Uid);
        WriteVarint(w, node.Gid);
        WriteVarint(w, Zigzag(node.MTimeNs));
        WriteVarint(w, Zigzag(node.CTimeNs));
        WriteVarint(w, (ulong)node.Size);
        WriteVarint(w, node.Inode);
        WriteVarint(w, node.Device);
        var flags = (byte)((node.LinkTarget is not null ? FlagLink : 0) | (node.Subtree is not null ? FlagSubtree : 0));
        w.GetSpan(1)[0] = flags;
        w.Advance(1);
        if (node.LinkTarget is not null)
        {
            WriteBytes(w, Encoding.UTF8.GetBytes(node.LinkTarget));
        }

        var content = node.Content ?? [];
        WriteVarint(w, (ulong)content.Count);
        foreach (var id in content)
        {
            id.WriteTo(w.GetSpan(Hash256.Size));
            w.Advance(Hash256.Size);
        }

        if (node.Subtree is { } subtree)
        {
            subtree.WriteTo(w.GetSpan(Hash256.Size));
            w.Advance(Hash256.Size);
        }
    }

    private static void WriteBytes(ArrayBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(w, (ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> w, ulong value)
    {
        var span = w.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        w.Advance(n);
    }

    private static ulong Zigzag(long v) => (ulong)((v << 1) ^ (v >> 63));

    private static long Unzigzag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _pos;

        public int Entry { get; set; } = -1;

        public readonly int Remaining => _bytes.Length - _pos;

        public byte Byte(string field)
        {
            if (_pos >= _bytes.Length)
            {
                throw Truncated(field);
            }

            return _bytes[_pos++];
        }

        public ulong Varint(string field)
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte(field);
                if (shift == 63 && b > 1)
                {
                    break;
                }

                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    if (b == 0 && shift != 0)
                    {
                        throw Bad(field, "has an overlong varint encoding");
                    }

                    return value;
                }
            }

            throw Bad(field, "is a varint longer than 64 bits");
        }

        public uint UInt32(string field)
        {
            var v = Varint(field);
            return v <= uint.MaxValue ? (uint)v : throw Bad(field, $"{v} does not fit 32 bits");
        }

        public ReadOnlySpan<byte> Bytes(int maxLength, string field)
        {
            var length = Varint(field + " length");
            if (length > (ulong)maxLength)
            {
                throw Bad(field, $"is {length} bytes; at most {maxLength}");
            }

            return Fixed((int)length, field);
        }

        public ReadOnlySpan<byte> Fixed(int length, string field)
        {
            if (length > Remaining)
            {
                throw Truncated(field);
            }

            var s = _bytes.Slice(_pos, length);
            _pos += length;
            return s;
        }

        public readonly string Utf8(ReadOnlySpan<byte> bytes, string field)
        {
            try
            {
                return StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Bad(field, "is not valid UTF-8");
            }
        }

        private readonly InvalidTreeException Truncated(string field) => Bad(field, $"is cut off at byte {_pos} (truncated tree)");

        private readonly InvalidTreeException Bad(string field, string problem) =>
            new(Entry < 0 ? $"tree: the {field} {problem}." : $"tree entry {Entry}: the {field} {problem}; refusing this tree.");
    }
}
