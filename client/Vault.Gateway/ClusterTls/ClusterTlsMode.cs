namespace Vault.ClusterTls;

/// <summary>Whether the Orleans connections of a cluster (silo to silo, gateway client to silo) are mutual TLS.</summary>
public enum ClusterTlsMode
{
    /// <summary>Plain TCP: for a single host or a trusted private network only.</summary>
    Off,

    /// <summary>Every connection is TLS; both ends present a certificate that chains to a trusted CA, or the connection is closed.</summary>
    Required,
}
