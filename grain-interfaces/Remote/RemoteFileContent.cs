namespace Vault.Remote;

[GenerateSerializer, Immutable, Alias("vault.remote-file-content")]
public sealed record RemoteFileContent(RemoteFileInfo Info, byte[] Content);
