namespace Vault.Storage;

/// <summary>Persisted as repo/config.json. Immutable after creation.</summary>
public sealed record RepositoryConfig
{
    public const int MinPackSize = 1024 * 1024;
    public const int MaxPackSize = 256 * 1024 * 1024;
    public const int MinCompressionLevel = 1;
    public const int MaxCompressionLevel = 19;
    public const int MaxIndexPartitionBits = 16;

    public int Version { get; init; } = 1;
    public required string RepositoryId { get; init; }
    public required ChunkerOptions Chunker { get; init; }
    public int PackSize { get; init; } = 16 * 1024 * 1024;
    public int CompressionLevel { get; init; } = 3;
    /// <summary>Index partitions = 2^bits (ChunkGrain keys).</summary>
    public int IndexPartitionBits { get; init; } = 12;
    public DateTimeOffset Created { get; init; }

    /// <summary>A new configuration with defaults and a fresh repository id.</summary>
    public static RepositoryConfig CreateDefault() => new()
    {
        RepositoryId = Guid.NewGuid().ToString("N"),
        Chunker = ChunkerOptions.Default,
        Created = DateTimeOffset.UtcNow,
    };

    /// <summary>Throws <see cref="InvalidConfigurationException"/> naming the key, the value and the rule.</summary>
    public void Validate()
    {
        if (Version != 1)
        {
            throw new InvalidConfigurationException($"Vault:Repository:Version is {Version}; this program supports version 1.");
        }

        if (string.IsNullOrWhiteSpace(RepositoryId))
        {
            throw new InvalidConfigurationException("Vault:Repository:RepositoryId is empty; must be a non-empty id.");
        }

        if (Chunker is null)
        {
            throw new InvalidConfigurationException("Vault:Chunking is missing; must give MinSize, AvgSize and MaxSize.");
        }

        Chunker.Validate();
        if (PackSize < MinPackSize || PackSize > MaxPackSize)
        {
            throw new InvalidConfigurationException(
                $"Vault:Repository:PackSize is {Sizes.Format(PackSize)}; must be between {Sizes.Format(MinPackSize)} and {Sizes.Format(MaxPackSize)}.");
        }

        if (CompressionLevel < MinCompressionLevel || CompressionLevel > MaxCompressionLevel)
        {
            throw new InvalidConfigurationException(
                $"Vault:Repository:CompressionLevel is {CompressionLevel}; must be between {MinCompressionLevel} and {MaxCompressionLevel}.");
        }

        if (IndexPartitionBits < 0 || IndexPartitionBits > MaxIndexPartitionBits)
        {
            throw new InvalidConfigurationException(
                $"Vault:Repository:IndexPartitionBits is {IndexPartitionBits}; must be between 0 and {MaxIndexPartitionBits}.");
        }
    }
}
