using System.Numerics;

namespace Vault.Storage;

/// <summary>FastCDC sizes, fixed at repository creation.</summary>
public sealed record ChunkerOptions(int MinSize, int AvgSize, int MaxSize)
{
    public const int SmallestMinSize = 64;
    public const int LargestMaxSize = 64 * 1024 * 1024;

    public static ChunkerOptions Default { get; } = new(512 * 1024, 1024 * 1024, 8 * 1024 * 1024);

    /// <summary>Throws <see cref="InvalidConfigurationException"/> naming the rule broken.</summary>
    public void Validate()
    {
        const string prefix = "Vault:Chunking:";
        if (MinSize < SmallestMinSize)
        {
            throw new InvalidConfigurationException(
                $"{prefix}MinSize is {Sizes.Format(MinSize)}; must be ≥ {Sizes.Format(SmallestMinSize)}");
        }

        if (MaxSize > LargestMaxSize)
        {
            throw new InvalidConfigurationException(
                $"{prefix}MaxSize is {Sizes.Format(MaxSize)}; must be ≤ {Sizes.Format(LargestMaxSize)}");
        }

        if (AvgSize <= 0 || !BitOperations.IsPow2(AvgSize))
        {
            throw new InvalidConfigurationException(
                $"{prefix}AvgSize is {Sizes.Format(AvgSize)}; must be a power of two (e.g. 1 MiB)");
        }

        if (MinSize >= AvgSize)
        {
            throw new InvalidConfigurationException(
                $"{prefix}MinSize is {Sizes.Format(MinSize)}; must be < AvgSize ({Sizes.Format(AvgSize)})");
        }

        if (MaxSize <= AvgSize)
        {
            throw new InvalidConfigurationException(
                $"{prefix}MaxSize is {Sizes.Format(MaxSize)}; must be > AvgSize ({Sizes.Format(AvgSize)})");
        }
    }
}
