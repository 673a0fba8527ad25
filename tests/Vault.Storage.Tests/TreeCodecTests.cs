namespace Vault.Storage.Tests;

internal static class Trees
{
    public static ChunkId Id(byte seed) => ChunkId.FromBytes(Enumerable.Range(seed, 32).Select(i => (byte)i).ToArray());

    public static TreeNode File(string name) => new() { Name = name, Type = NodeType.File, Size = 3, Content = [Id(1)] };

    /// <summary>A fixed directory with every node type and field (the golden tree).</summary>
    public static List<TreeNode> Sample() =>
    [
        new()
        {
            Name = "notes.txt", Type = NodeType.File, Mode = 0b110_100_100, Uid = 1000, Gid = 1000,
            MTimeNs = 1_700_000_000_123_456_789, CTimeNs = 1_700_000_001_000_000_000, Size = 3_000_000,
            Inode = 123456789, Device = 2049, Content = [Id(1), Id(2), Id(3)],
        },
        new() { Name = "docs", Type = NodeType.Directory, Mode = 0b111_101_101, Uid = 0, Gid = 0, MTimeNs = -5, Subtree = Id(40) },
        new() { Name = "latest", Type = NodeType.Symlink, Mode = 0b111_111_111, LinkTarget = "notes.txt", MTimeNs = 1 },
        new() { Name = "é-ünïcødé ✓.md", Type = NodeType.File, Size = 0, Inode = ulong.MaxValue, Device = 0, CTimeNs = long.MinValue },
        new() { Name = "Z-upper", Type = NodeType.File, Mode = 0b100_000_000_000, Size = long.MaxValue, Uid = uint.MaxValue, Content = [Id(9)] },
        new() { Name = "\uFFFD-bmp", Type = NodeType.File },
        new() { Name = "\U0001F600-astral", Type = NodeType.File },
    ];
}

public sealed class TreeCodecTests
{
    [Fact]
    public void Encode_Decode_RoundTripsAllFieldsSorted()
    {
        var nodes = Trees.Sample();
        var decoded = TreeCodec.Decode(TreeCodec.Encode(nodes));
        var expected = nodes.OrderBy(n => System.Text.Encoding.UTF8.GetBytes(n.Name), ByteOrder.Instance).ToList();
        Assert.Equal(expected, decoded);
        // Ordinal UTF-8 order puts U+FFFD before an astral character (UTF-16 order would not).
        Assert.Equal("\uFFFD-bmp", decoded[^2].Name);
        Assert.Equal("\U0001F600-astral", decoded[^1].Name);
    }

    [Fact]
    public void Encode_AnyOrder_SameBytes()
    {
        var nodes = Trees.Sample();
        var reversed = Enumerable.Reverse(nodes).ToList();
        Assert.Equal(TreeCodec.Encode(nodes), TreeCodec.Encode(reversed));
    }

    [Fact]
    public void Encode_Empty_RoundTrips() => Assert.Empty(TreeCodec.Decode(TreeCodec.Encode([])));

    [Fact]
    public void Encode_Golden_ExactBytes() => Golden.AssertMatches("tree-v1.bin", TreeCodec.Encode(Trees.Sample()));

    [Fact]
    public void Decode_Golden_SampleTree()
    {
        if (!Golden.Regenerating)
        {
            Assert.Equal(TreeCodec.Decode(TreeCodec.Encode(Trees.Sample())), TreeCodec.Decode(Golden.Read("tree-v1.bin")));
        }
    }

    public static TheoryData<string> HostileNames => new() { "..", ".", "a/b", "/etc", "a\0b", "", "../../etc/passwd", new string('x', 256), new string('é', 128) };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Decode_HostileName_ThrowsNamingEntry(string name)
    {
        var bytes = TreeCodec.EncodeUnchecked([Trees.File("a-ok"), Trees.File(name)]);
        var e = Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes));
        Assert.Contains("tree entry 1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Encode_HostileName_Throws(string name) =>
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Encode([Trees.File(name)]));

    [Fact]
    public void Decode_DuplicateNames_Throws()
    {
        var bytes = TreeCodec.EncodeUnchecked([Trees.File("same"), Trees.File("same")]);
        var e = Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes));
        Assert.Contains("duplicate", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Encode([Trees.File("same"), Trees.File("same")]));
    }

    [Fact]
    public void Decode_Unsorted_Throws()
    {
        var bytes = TreeCodec.EncodeUnchecked([Trees.File("b"), Trees.File("a")]);
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes));
    }

    public static TheoryData<string> BadStructures => new()
    {
        "dir-without-subtree", "dir-with-content", "file-with-subtree", "file-with-link", "symlink-without-target",
        "symlink-with-content", "unknown-type", "negative-size", "symlink-empty-target",
    };

    [Theory]
    [MemberData(nameof(BadStructures))]
    public void Decode_BadStructure_Throws(string kind)
    {
        var node = kind switch
        {
            "dir-without-subtree" => new TreeNode { Name = "d", Type = NodeType.Directory },
            "dir-with-content" => new TreeNode { Name = "d", Type = NodeType.Directory, Subtree = Trees.Id(1), Content = [Trees.Id(2)] },
            "file-with-subtree" => Trees.File("d") with { Subtree = Trees.Id(1) },
            "file-with-link" => Trees.File("d") with { LinkTarget = "x" },
            "symlink-without-target" => new TreeNode { Name = "d", Type = NodeType.Symlink },
            "symlink-empty-target" => new TreeNode { Name = "d", Type = NodeType.Symlink, LinkTarget = "" },
            "symlink-with-content" => new TreeNode { Name = "d", Type = NodeType.Symlink, LinkTarget = "x", Content = [Trees.Id(2)] },
            "unknown-type" => new TreeNode { Name = "d", Type = (NodeType)9 },
            "negative-size" => Trees.File("d") with { Size = -1 },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var e = Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(TreeCodec.EncodeUnchecked([node])));
        Assert.Contains("'d'", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Encode([node]));
    }

    [Fact]
    public void Decode_EveryTruncation_Throws()
    {
        var bytes = TreeCodec.Encode(Trees.Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Decode_TrailingBytesOrBadVersion_Throws()
    {
        var bytes = TreeCodec.Encode(Trees.Sample());
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode([.. bytes, 0]));
        bytes[0] = 2;
        Assert.Contains("version 2", Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]
    [InlineData(new byte[] { 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    [InlineData(new byte[] { 1, 0x80, 0x00 })]
    [InlineData(new byte[] { 1, 1, 0xFF, 0xFF, 0x03 })]
    public void Decode_HugeOrOverlongCounts_ThrowsWithoutAllocating(byte[] bytes) =>
        Assert.Throws<InvalidTreeException>(() => TreeCodec.Decode(bytes));

    [Fact]
    public void Decode_RandomMutations_OnlyInvalidTree()
    {
        var original = TreeCodec.Encode(Trees.Sample());
        var rng = new Random(7);
        for (var round = 0; round < 5000; round++)
        {
            var bytes = (byte[])original.Clone();
            bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            try
            {
                TreeCodec.Decode(bytes);
            }
            catch (InvalidTreeException)
            {
            }
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static ByteOrder Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}

public sealed class NodeNamesTests
{
    [Theory]
    [InlineData("file.txt", true)]
    [InlineData("...", true)]
    [InlineData(".hidden", true)]
    [InlineData("with space", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("/", false)]
    [InlineData("a\0b", false)]
    public void IsValid_Table(string name, bool valid)
    {
        Assert.Equal(valid, NodeNames.IsValid(name, out var reason));
        Assert.Equal(valid, reason.Length == 0);
    }

    [Fact]
    public void IsValid_LoneSurrogate_Invalid() => Assert.False(NodeNames.IsValid("a\uD800b", out _));

    [Fact]
    public void IsValid_255Utf8Bytes_Valid_256_Invalid()
    {
        Assert.True(NodeNames.IsValid(new string('a', 255), out _));
        Assert.False(NodeNames.IsValid(new string('a', 256), out _));
        Assert.True(NodeNames.IsValid(new string('é', 127) + "a", out _));
        Assert.False(NodeNames.IsValid(new string('é', 128), out var reason));
        Assert.Contains("256 bytes", reason, StringComparison.Ordinal);
    }
}
