namespace Vault.Gateway;

/// <summary>Settings of the gateway, bound from the <c>Vault:Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Vault:Gateway";

    /// <summary>
    /// Node that runs backups, restores and listings when a request names none. The silo sets it to its own node id.
    /// </summary>
    public string DefaultNode { get; set; } = "";

    /// <summary>Key of the snapshot catalog grain (the repository name).</summary>
    public string Repository { get; set; } = "default";

    /// <summary>Reported by GetStatus (for example "embedded" or "cluster"); empty when unknown.</summary>
    public string ClusterMode { get; set; } = "";

    /// <summary>R, the copies of each pack (reported by ListPeers; a decommission may not leave fewer active nodes).</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>W, the copies on disk before a snapshot commits (reported by ListPeers).</summary>
    public int WriteQuorum { get; set; } = 1;

    /// <summary>Interval of WatchJob messages when the request gives none.</summary>
    public TimeSpan DefaultWatchInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
