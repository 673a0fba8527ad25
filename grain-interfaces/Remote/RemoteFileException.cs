namespace Vault;

/// <summary>A file transfer was refused or failed verification (over the size limit, checksum mismatch, missing file); the target was left as it was.</summary>
[GenerateSerializer, Alias("vault.remote-file")]
public sealed class RemoteFileException(string message) : VaultException(message);
