namespace Vault.Remote.Files;

/// <summary>A verified transfer: the remote path, its size and SHA-256 (hex, lower case), and how long it took.</summary>
public sealed record RemoteFileResult(string Host, string Path, long Bytes, string Sha256, TimeSpan Duration);
