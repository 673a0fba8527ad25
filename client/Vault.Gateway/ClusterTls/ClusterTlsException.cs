namespace Vault.ClusterTls;

/// <summary>A certificate or CA file of <c>Vault:Cluster:Tls</c> cannot be used; the message names the key and the file.</summary>
public sealed class ClusterTlsException(string message) : Exception(message);
