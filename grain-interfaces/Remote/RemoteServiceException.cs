namespace Vault;

/// <summary>A service action on a remote host failed or the service did not reach the expected state in time; the message has the command's exit code and stderr.</summary>
[GenerateSerializer, Alias("vault.remote-service")]
public sealed class RemoteServiceException(string message) : VaultException(message);
