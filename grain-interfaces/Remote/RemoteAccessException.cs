namespace Vault;

/// <summary>
/// This side's credentials for a remote host are unusable or were refused: a private key file that others can
/// read, a missing or wrong passphrase, or a server that refused the user and key.
/// </summary>
[GenerateSerializer, Alias("vault.remote-access")]
public sealed class RemoteAccessException(string message) : VaultException(message);
