namespace Vault;

/// <summary>A remote host could not be reached over SSH (connection refused, no answer within the connect timeout, connection lost).</summary>
[GenerateSerializer, Alias("vault.remote-unavailable")]
public sealed class RemoteUnavailableException(string message) : VaultException(message);
