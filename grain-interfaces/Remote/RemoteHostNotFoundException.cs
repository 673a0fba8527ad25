namespace Vault;

/// <summary>The named remote host is not configured under Vault:Remote:Hosts on the node that was asked.</summary>
[GenerateSerializer, Alias("vault.remote-host-not-found")]
public sealed class RemoteHostNotFoundException(string message) : VaultException(message);
