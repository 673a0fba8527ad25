namespace Vault.Remote.Trust;

/// <summary>One line of a known_hosts file: host patterns, an optional marker (@revoked, @cert-authority) and the key.</summary>
public sealed record KnownHostEntry(string Patterns, string? Marker, HostKey Key, int LineNumber);
