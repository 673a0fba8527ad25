namespace Vault.Failover;

// The configuration of one protected service. Bound from Vault:Failover:Services:<name> at start
// (appsettings, Vault__Failover__… environment, command line) or sent through the API; validated
// before use (FailoverSpecValidator). Secrets are never part of it: only the names of the files or
// environment variables that hold them, read on the silo that needs them.

public enum FailoverEngine
{
    PostgreSql = 0,
    MySql = 1,
    Redis = 2,
}

public enum FailoverMode
{
    /// <summary>Detects, decides and acts.</summary>
    Automatic = 0,

    /// <summary>Detects and alerts; only an operator's failover or switchover acts.</summary>
    ManualOnly = 1,

    /// <summary>Only monitors (no alerts, no automatic action).</summary>
    Paused = 2,
}

/// <summary>Where a secret comes from: a file (its first line) or an environment variable of the silo.</summary>
[GenerateSerializer, Alias("vault.failover-secret")]
public sealed class SecretReference
{
    [Id(0)] public string? File { get; set; }

    [Id(1)] public string? Env { get; set; }

    public bool IsSet => !string.IsNullOrEmpty(File) || !string.IsNullOrEmpty(Env);

    public override string ToString() => !string.IsNullOrEmpty(File) ? $"file {File}" : !string.IsNullOrEmpty(Env) ? $"env {Env}" : "none";
}

[GenerateSerializer, Alias("vault.failover-node")]
public sealed class FailoverNodeSpec
{
    /// <summary>Name used in status, audit and metrics; default "host:port".</summary>
    [Id(0)] public string Name { get; set; } = "";

    [Id(1)] public string Host { get; set; } = "127.0.0.1";

    [Id(2)] public int Port { get; set; }

    /// <summary>Higher is preferred among equally fresh replicas; 0 = never promote.</summary>
    [Id(3)] public int Priority { get; set; } = 100;

    /// <summary>The HAProxy server of this node in <see cref="TrafficSpec.Backend"/>; default: the node name.</summary>
    [Id(4)] public string? HaproxyServer { get; set; }

    /// <summary>The DNS record value while this node is primary (address for A/AAAA, name for CNAME); default: the host.</summary>
    [Id(5)] public string? DnsValue { get; set; }

    /// <summary>Per-node credentials; default: the service's.</summary>
    [Id(6)] public string? User { get; set; }

    [Id(7)] public SecretReference? Password { get; set; }

    /// <summary>The node's machine as configured under Vault:Remote:Hosts (SSH), for fencing it; null = no fencing over SSH.</summary>
    [Id(8)] public string? RemoteHost { get; set; }

    /// <summary>The database's service on <see cref="RemoteHost"/>, stopped (and verified stopped) to fence the node (e.g. postgresql@15-main).</summary>
    [Id(9)] public string? FenceService { get; set; }

    /// <summary>Instead of <see cref="FenceService"/>: a command run on <see cref="RemoteHost"/> that must exit 0 once the database no longer takes writes.</summary>
    [Id(10)] public string? FenceCommand { get; set; }

    /// <summary>PostgreSQL rejoin: the node's data directory on <see cref="RemoteHost"/> (the {pgdata} of the rejoin commands).</summary>
    [Id(11)] public string? DataDirectory { get; set; }

    public string Endpoint => $"{Host}:{Port}";
}

/// <summary>What the new primary does, in synchronous mode, when no replica is left to confirm commits.</summary>
public enum NoSynchronousStandbyPolicy
{
    /// <summary>Empty synchronous_standby_names (commits stop waiting) and send a critical alert: availability first.</summary>
    Degrade = 0,

    /// <summary>Name the lost standbys anyway: every commit waits until one of them is back. No commit without a copy.</summary>
    Block = 1,
}

/// <summary>What a failover does when the old primary's host does not answer SSH (its fence cannot run).</summary>
public enum FenceUnreachablePolicy
{
    /// <summary>Retry the fence step, then halt for an operator: never promote while the old primary might still take writes.</summary>
    Halt = 0,

    /// <summary>Promote anyway (the host is presumed down): availability first, at the risk of two primaries if it is only cut off.</summary>
    Proceed = 1,
}

/// <summary>Which load balancer carries a service's client traffic (Vault:Failover:Services:NAME:Traffic:Kind).</summary>
public enum TrafficKind
{
    /// <summary>HAProxy: runtime API socket, or its HTTP stats/admin page.</summary>
    Haproxy = 0,

    /// <summary>Nginx open source: the upstream include file rewritten over SFTP on a remote host, tested and reloaded.</summary>
    Nginx = 1,

    /// <summary>Nginx Plus: upstream servers through its REST API (down, drain, weight).</summary>
    NginxPlus = 2,
}

/// <summary>The load balancer that carries the service's client traffic.</summary>
[GenerateSerializer, Alias("vault.failover-traffic")]
public sealed class TrafficSpec
{
    /// <summary>HAProxy: the runtime API ("stats socket ipv4@host:port level admin") as host:port; or set StatsUrl instead.</summary>
    [Id(0)] public string RuntimeApi { get; set; } = "";

    /// <summary>HAProxy: the backend holding the nodes' servers.</summary>
    [Id(1)] public string Backend { get; set; } = "";

    /// <summary>Time allowed to one call to the load balancer (one runtime command, one HTTP request, one remote command).</summary>
    [Id(2)] public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    [Id(3)] public TrafficKind Kind { get; set; } = TrafficKind.Haproxy;

    /// <summary>HAProxy: the HTTP stats/admin page (`stats uri` with `stats admin`), e.g. http://127.0.0.1:8404/stats; used when RuntimeApi is empty.</summary>
    [Id(4)] public string? StatsUrl { get; set; }

    /// <summary>HAProxy stats page: the user of `stats auth USER:PASSWORD`.</summary>
    [Id(5)] public string? StatsUser { get; set; }

    [Id(6)] public SecretReference? StatsPassword { get; set; }

    /// <summary>Upper bound of a drain: the wait for a server's current sessions to reach zero.</summary>
    [Id(7)] public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Nginx: the proxy's machine, as configured under Vault:Remote:Hosts.</summary>
    [Id(8)] public string? RemoteHost { get; set; }

    /// <summary>Nginx: absolute path of the include file that holds the upstream block, on RemoteHost.</summary>
    [Id(9)] public string? UpstreamFile { get; set; }

    /// <summary>Nginx and Nginx Plus: the upstream's name.</summary>
    [Id(10)] public string? Upstream { get; set; }

    /// <summary>Nginx: the command that checks the configuration on RemoteHost.</summary>
    [Id(11)] public string TestCommand { get; set; } = "nginx -t";

    /// <summary>Nginx: the command that reloads it on RemoteHost.</summary>
    [Id(12)] public string ReloadCommand { get; set; } = "nginx -s reload";

    /// <summary>
    /// host:port of the service as clients reach it through the load balancer. When set, enabling traffic is
    /// verified by a query through it that must reach the new primary (the engine's own role check).
    /// </summary>
    [Id(13)] public string? CheckEndpoint { get; set; }

    /// <summary>Nginx Plus: the API's base URL, e.g. http://127.0.0.1:8080/api.</summary>
    [Id(14)] public string? ApiUrl { get; set; }

    /// <summary>Nginx Plus: the API version in the paths (/api/9/...).</summary>
    [Id(15)] public int ApiVersion { get; set; } = 9;

    /// <summary>Nginx Plus: "http" or "stream", the module whose upstream holds the nodes (/api/9/stream/upstreams/...).</summary>
    [Id(16)] public string ApiModule { get; set; } = "http";
}

/// <summary>The DNS name clients use, updated by RFC 2136 with TSIG.</summary>
[GenerateSerializer, Alias("vault.failover-dns")]
public sealed class DnsSpec
{
    [Id(0)] public string Zone { get; set; } = "";

    /// <summary>Fully qualified record name, e.g. db.example.com.</summary>
    [Id(1)] public string Name { get; set; } = "";

    /// <summary>A, AAAA or CNAME.</summary>
    [Id(2)] public string Type { get; set; } = "A";

    [Id(3)] public int Ttl { get; set; } = 30;

    /// <summary>The primary master that accepts updates, host:port.</summary>
    [Id(4)] public string Server { get; set; } = "";

    [Id(5)] public string TsigKeyName { get; set; } = "";

    /// <summary>The base64 TSIG secret (hmac-sha256).</summary>
    [Id(6)] public SecretReference TsigSecret { get; set; } = new();

    /// <summary>Every nameserver (host:port) that must answer the new value before the step completes; default: the server.</summary>
    [Id(7)] public List<string> Nameservers { get; set; } = [];

    [Id(8)] public TimeSpan PropagationTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Which DNS provider holds the zone: Rfc2136 (default), Route53 or Cloudflare.</summary>
    [Id(9)] public string Kind { get; set; } = "Rfc2136";

    /// <summary>host:port of a nameserver asked for the zone's NS set (and their addresses) before verifying; default: <see cref="Server"/>.</summary>
    [Id(10)] public string? Resolver { get; set; }

    /// <summary>Port every discovered authoritative nameserver is asked on; default: the port of <see cref="Server"/> for Rfc2136, 53 otherwise.</summary>
    [Id(11)] public int? NameserverPort { get; set; }

    [Id(12)] public Route53Spec? Route53 { get; set; }

    [Id(13)] public CloudflareSpec? Cloudflare { get; set; }

    /// <summary>
    /// Where a discovered nameserver (by its NS name) is reached when its published address is not
    /// reachable from the silos (NAT, split horizon): name → host:port. Every other one is asked at its
    /// published address and <see cref="NameserverPort"/>.
    /// </summary>
    [Id(14)] public Dictionary<string, string> NameserverAddresses { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>An Amazon Route 53 hosted zone, changed through its REST API with Signature Version 4.</summary>
[GenerateSerializer, Alias("vault.failover-dns-route53")]
public sealed class Route53Spec
{
    /// <summary>The API's base URL; default https://route53.amazonaws.com.</summary>
    [Id(0)] public string Endpoint { get; set; } = "https://route53.amazonaws.com";

    /// <summary>The hosted zone's id, e.g. Z0123456789ABCDEFGHIJ.</summary>
    [Id(1)] public string HostedZoneId { get; set; } = "";

    /// <summary>The signing region; Route 53 is signed for us-east-1.</summary>
    [Id(2)] public string Region { get; set; } = "us-east-1";

    [Id(3)] public SecretReference AccessKeyId { get; set; } = new();

    [Id(4)] public SecretReference SecretAccessKey { get; set; } = new();

    /// <summary>For weighted records: the record's set identifier (with <see cref="Weight"/>).</summary>
    [Id(5)] public string? SetIdentifier { get; set; }

    [Id(6)] public long? Weight { get; set; }

    /// <summary>How long to wait for GetChange to report INSYNC.</summary>
    [Id(7)] public TimeSpan SyncTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts of one request answered with throttling (400 Throttling, 429, 503) before the step fails.</summary>
    [Id(8)] public int MaxAttempts { get; set; } = 5;
}

/// <summary>A Cloudflare zone, changed through its v4 API with an API token.</summary>
[GenerateSerializer, Alias("vault.failover-dns-cloudflare")]
public sealed class CloudflareSpec
{
    /// <summary>The API's base URL; default https://api.cloudflare.com/client/v4.</summary>
    [Id(0)] public string Endpoint { get; set; } = "https://api.cloudflare.com/client/v4";

    /// <summary>An API token with Zone:Read and DNS:Edit on the zone.</summary>
    [Id(1)] public SecretReference ApiToken { get; set; } = new();

    [Id(2)] public int MaxAttempts { get; set; } = 5;
}

[GenerateSerializer, Alias("vault.failover-webhook")]
public sealed class WebhookSpec
{
    [Id(0)] public string Url { get; set; } = "";

    /// <summary>HMAC-SHA256 key for the X-Vault-Signature header.</summary>
    [Id(1)] public SecretReference Secret { get; set; } = new();
}

[GenerateSerializer, Alias("vault.failover-service")]
public sealed class FailoverServiceSpec
{
    [Id(0)] public FailoverEngine Engine { get; set; }

    /// <summary>The node that is primary when the controller first starts; afterwards the controller's state decides.</summary>
    [Id(1)] public FailoverNodeSpec Primary { get; set; } = new();

    [Id(2)] public List<FailoverNodeSpec> Replicas { get; set; } = [];

    [Id(3)] public string? User { get; set; }

    [Id(4)] public SecretReference? Password { get; set; }

    [Id(5)] public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed to one check (connect + query).</summary>
    [Id(6)] public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed checks before the primary is suspected dead (and observers are asked).</summary>
    [Id(7)] public int FailureThreshold { get; set; } = 3;

    [Id(8)] public long MaxLagBytes { get; set; } = 16 * 1024 * 1024;

    [Id(9)] public TimeSpan MaxLagTime { get; set; } = TimeSpan.FromSeconds(30);

    [Id(10)] public FailoverMode Mode { get; set; } = FailoverMode.Automatic;

    /// <summary>No automatic failover within this time of the previous one (anti-flap).</summary>
    [Id(11)] public TimeSpan BlockPeriod { get; set; } = TimeSpan.FromMinutes(10);

    [Id(12)] public TrafficSpec? Traffic { get; set; }

    [Id(13)] public DnsSpec? Dns { get; set; }

    [Id(14)] public List<WebhookSpec> Webhooks { get; set; } = [];

    /// <summary>Attempts of each action step before the failover halts for an operator.</summary>
    [Id(15)] public int StepAttempts { get; set; } = 3;

    /// <summary>Upper bound of a planned switchover's wait for zero lag.</summary>
    [Id(16)] public TimeSpan SwitchoverCatchUpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// MySQL/MariaDB: the account replicas connect to a primary with. Replicas keep their own; a demoted
    /// primary (after a switchover) has none and needs this to follow the new primary.
    /// </summary>
    [Id(17)] public string? ReplicationUser { get; set; }

    [Id(18)] public SecretReference? ReplicationPassword { get; set; }

    /// <summary>When the old primary has a RemoteHost that does not answer SSH during a failover: halt (default) or proceed.</summary>
    [Id(19)] public FenceUnreachablePolicy FenceUnreachable { get; set; } = FenceUnreachablePolicy.Halt;

    /// <summary>
    /// PostgreSQL: the controller manages synchronous replication. After a promotion the new primary's
    /// synchronous_standby_names is set to ANY 1 of the surviving replicas (their Name = application_name).
    /// </summary>
    [Id(20)] public bool SynchronousMode { get; set; }

    /// <summary>With <see cref="SynchronousMode"/>, when no replica survives: Degrade (empty the list, critical alert) or Block.</summary>
    [Id(21)] public NoSynchronousStandbyPolicy NoSynchronousStandby { get; set; } = NoSynchronousStandbyPolicy.Degrade;

    /// <summary>After a failover, rejoin the fenced old primary as a replica without an operator (default off).</summary>
    [Id(22)] public bool AutoRejoin { get; set; }

    /// <summary>How a PostgreSQL node is stopped, rewound, configured and started when it rejoins.</summary>
    [Id(23)] public RejoinSpec Rejoin { get; set; } = new();

    public IEnumerable<FailoverNodeSpec> Nodes => Replicas.Prepend(Primary);
}
