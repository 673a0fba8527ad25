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

/// <summary>The HAProxy that carries the service's client traffic.</summary>
[GenerateSerializer, Alias("vault.failover-traffic")]
public sealed class TrafficSpec
{
    /// <summary>The runtime API ("stats socket ipv4@host:port level admin") as host:port.</summary>
    [Id(0)] public string RuntimeApi { get; set; } = "";

    [Id(1)] public string Backend { get; set; } = "";

    [Id(2)] public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
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

    public IEnumerable<FailoverNodeSpec> Nodes => Replicas.Prepend(Primary);
}
