namespace Vault.Remote;

/// <summary>A verified transfer: remote path, size, SHA-256 (lower-case hex).</summary>
[GenerateSerializer, Immutable, Alias("vault.remote-file-info")]
public sealed record RemoteFileInfo(string Host, string Path, long Bytes, string Sha256, TimeSpan Duration);
