namespace Vault.Remote.Trust;

public enum HostKeyVerdict
{
    /// <summary>The offered key is pinned for the host.</summary>
    Trusted,

    /// <summary>known_hosts has no key for the host.</summary>
    Unknown,

    /// <summary>known_hosts pins other keys for the host: refused (it may be a machine in the middle).</summary>
    Changed,

    /// <summary>The offered key is marked @revoked.</summary>
    Revoked,
}
