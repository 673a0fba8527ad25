namespace Vault.Storage;

public enum NodeType : byte
{
    File = 1,
    Directory = 2,
    Symlink = 3,
}

/// <summary>One entry of a directory tree.</summary>
public sealed record TreeNode
{
    public required string Name { get; init; }
    public required NodeType Type { get; init; }
    /// <summary>Permission and special bits (07777).</summary>
    public uint Mode { get; init; }
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    /// <summary>Unix time in nanoseconds.</summary>
    public long MTimeNs { get; init; }
    public long CTimeNs { get; init; }
    public long Size { get; init; }
    public ulong Inode { get; init; }
    public ulong Device { get; init; }
    public string? LinkTarget { get; init; }
    public IReadOnlyList<ChunkId> Content { get; init; } = [];
    public ChunkId? Subtree { get; init; }

    // Records compare lists by reference; trees compare by value.
    public bool Equals(TreeNode? other) =>
        other is not null
        && Name == other.Name && Type == other.Type && Mode == other.Mode && Uid == other.Uid && Gid == other.Gid
        && MTimeNs == other.MTimeNs && CTimeNs == other.CTimeNs && Size == other.Size && Inode == other.Inode
        && Device == other.Device && LinkTarget == other.LinkTarget && Subtree == other.Subtree
        && Content.SequenceEqual(other.Content);

    public override int GetHashCode() => HashCode.Combine(Name, Type, Size, MTimeNs, Content.Count, Subtree);
}
