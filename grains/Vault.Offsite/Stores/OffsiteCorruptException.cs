namespace Vault.Offsite.Stores;

/// <summary>An object read back from a target does not match its recorded SHA-256 or size; names the target and key.</summary>
public sealed class OffsiteCorruptException(string target, string key, string message) : OffsiteException($"target '{target}': object {key}: {message}")
{
    public string Target { get; } = target;

    public string Key { get; } = key;
}
