namespace Vault.Offsite.Stores;

/// <summary>What a store knows of one object: its key (below the target's prefix), size, SHA-256 (hex) and retention.</summary>
public sealed record OffsiteObject(string Key, long Length, string? Sha256, DateTimeOffset? RetainUntil);
