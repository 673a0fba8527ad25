namespace Vault.Gateway;

/// <summary>Who may call an HTTP endpoint outside the API when authentication is required.</summary>
public enum EndpointAccess
{
    /// <summary>Any caller (what Prometheus expects of /metrics on a trusted network).</summary>
    Open = 0,

    /// <summary>Callers from a loopback address without a key; others with a key of the endpoint's role.</summary>
    Loopback = 1,

    /// <summary>Only callers with a key of the endpoint's role.</summary>
    Key = 2,
}
