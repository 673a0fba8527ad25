using System.Security.Cryptography;

namespace Vault.Offsite.Stores;

/// <summary>The SHA-256 every object carries in its metadata, and the check on read.</summary>
internal static class ObjectHash
{
    public const string MetadataKey = "sha256";
    public const string RetainUntilKey = "retainuntil";

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static void Verify(string target, string key, byte[] bytes, string? expected, long? expectedLength)
    {
        if (expectedLength is { } length && length != bytes.Length)
        {
            throw new OffsiteCorruptException(target, key, $"{bytes.Length} bytes read, {length} recorded (truncated or replaced)");
        }

        if (expected is null)
        {
            throw new OffsiteCorruptException(target, key, "carries no sha256 metadata; it was not written by Vault");
        }

        var actual = Of(bytes);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new OffsiteCorruptException(target, key, $"SHA-256 is {actual}, {expected} recorded (bit rot or tampering)");
        }
    }
}
