namespace Vault;

/// <summary>
/// A remote host offered a host key that its known_hosts file does not pin (unknown) or that differs from the
/// pinned one (changed). The message names the host and both SHA256 fingerprints; nothing was authenticated.
/// </summary>
[GenerateSerializer, Alias("vault.remote-host-key")]
public sealed class RemoteHostKeyException(string message) : VaultException(message);
