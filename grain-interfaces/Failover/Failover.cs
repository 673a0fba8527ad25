using Orleans.Concurrency;

namespace Vault.Failover;

/// <summary>
/// Where a failover is. Monitoring is the resting phase; the others are the steps of a failover
/// or switchover, in order. Every step is idempotent, so a controller that dies in one resumes it.
/// </summary>
public enum FailoverPhase
{
    Monitoring = 0,
    Fencing = 1,
    CatchingUp = 2,
    Promoting = 3,
    Repointing = 4,
    EnablingTraffic = 5,
    PublishingDns = 6,
    Notifying = 7,

    /// <summary>Rejoin: the old primary's database is stopped (PostgreSQL; nothing to do for MariaDB and Redis).</summary>
    RejoinStopping = 8,

    /// <summary>Rejoin: pg_rewind against the current primary, then standby.signal and primary_conninfo written.</summary>
    RejoinRewinding = 9,

    /// <summary>Rejoin: started as a replica (PostgreSQL) or repointed (MariaDB CHANGE MASTER, Redis REPLICAOF).</summary>
    RejoinStarting = 10,

    /// <summary>Rejoin: verified replicating; the fenced mark cleared, the node named again as a synchronous standby.</summary>
    RejoinVerifying = 11,
}

public enum FailoverKind
{
    /// <summary>The primary died (or an operator forced it): promote without the old primary.</summary>
    Failover = 0,

    /// <summary>Planned: the old primary is alive; wait for zero lag before promoting.</summary>
    Switchover = 1,

    /// <summary>An old primary is turned into a replica of the current primary; the primary does not change.</summary>
    Rejoin = 2,
}

public enum NodeRole
{
    Unknown = 0,
    Primary = 1,
    Replica = 2,
}

/// <summary>One check of one node, as the controller saw it.</summary>
[GenerateSerializer, Immutable, Alias("vault.failover-observation")]
public sealed record NodeObservation(
    string Node,
    bool Reachable,
    NodeRole Role,
    /// <summary>Replication position: WAL LSN (PostgreSQL), binlog offset (MariaDB), replication offset (Redis).</summary>
    long? Position,
    /// <summary>Bytes behind the primary's last known position; null when not known.</summary>
    long? LagBytes,
    /// <summary>Seconds behind, as the engine reports it; null when not known (never read as 0).</summary>
    double? LagSeconds,
    /// <summary>The replica's link to its primary is up.</summary>
    bool LinkUp,
    string? Error,
    DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("vault.failover-audit")]
public sealed record FailoverAuditEntry(
    DateTimeOffset At,
    long Epoch,
    /// <summary>observation, decision, action, operator.</summary>
    string Kind,
    FailoverPhase Phase,
    string Message,
    /// <summary>ok, failed, refused, info.</summary>
    string Result,
    double DurationMs);

[GenerateSerializer, Immutable, Alias("vault.failover-fenced")]
public sealed record FencedNode(string Node, long Epoch, DateTimeOffset Since, bool Returned, string? Note);

[GenerateSerializer, Immutable, Alias("vault.failover-status")]
public sealed record FailoverStatus(
    string Service,
    FailoverEngine Engine,
    bool Configured,
    FailoverMode Mode,
    bool Paused,
    FailoverPhase Phase,
    FailoverKind? Kind,
    bool Halted,
    long Epoch,
    string Primary,
    string? Target,
    int ConsecutiveFailures,
    IReadOnlyList<NodeObservation> Nodes,
    IReadOnlyList<FencedNode> Fenced,
    /// <summary>Why the controller is not acting (no eligible replica, blocked, halted step...), or null.</summary>
    string? Blocker,
    string? LastError,
    DateTimeOffset? LastFailover,
    /// <summary>The silo the controller runs on.</summary>
    string Silo,
    /// <summary>While a step runs: which, for how long, at which attempt, and its latest report (a catch-up's positions); else null.</summary>
    string? Progress = null,
    /// <summary>The last pre-flight of the service's load balancer ("ok: …" or "UNREACHABLE: …"), checked every 30 s; null without traffic.</summary>
    string? Traffic = null);

/// <summary>An operator's request for a failover or switchover.</summary>
[GenerateSerializer, Immutable, Alias("vault.failover-command")]
public sealed record FailoverCommand(
    /// <summary>The replica to promote; null = the best eligible one.</summary>
    string? To,
    /// <summary>Failover only: promote even when the primary answers, the lag limit is exceeded or the block period runs.</summary>
    bool Force,
    string Operator,
    string? Reason);

/// <summary>
/// One protected service (key: its name). Watches replication on a timer, decides with the
/// majority of the silos' observers, and drives failovers as an explicit, persisted state machine.
/// </summary>
public interface IFailoverControllerGrain : IGrainWithStringKey
{
    /// <summary>Sets (or replaces) the service's configuration and starts monitoring. Throws <see cref="InvalidRequestException"/> naming every broken rule.</summary>
    Task ConfigureAsync(FailoverServiceSpec spec);

    [AlwaysInterleave]
    Task<FailoverStatus> GetStatusAsync();

    /// <summary>The audit trail, newest last; at most <paramref name="limit"/> entries (0 = all kept).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<FailoverAuditEntry>> GetHistoryAsync(int limit);

    /// <summary>
    /// Planned switchover: waits (bounded) for zero lag, then the failover steps. Returns as soon as the
    /// new epoch and its first phase are persisted; the controller's timer drives one step per turn and
    /// <see cref="GetStatusAsync"/> shows the progress.
    /// </summary>
    Task<FailoverStatus> SwitchoverAsync(FailoverCommand command);

    /// <summary>Operator failover; refused while the primary answers unless forced. Returns once the new epoch is persisted, like <see cref="SwitchoverAsync"/>.</summary>
    Task<FailoverStatus> FailoverAsync(FailoverCommand command);

    /// <summary>Stops automatic action (monitoring continues) until <see cref="ResumeAsync"/>.</summary>
    Task<FailoverStatus> PauseAsync(string operatorName);

    /// <summary>Clears a pause, and retries a halted step.</summary>
    Task<FailoverStatus> ResumeAsync(string operatorName);

    /// <summary>
    /// Turns a node (an old primary) into a replica of the current primary: the rejoin steps, one per turn like a
    /// failover's. Returns once the first phase is persisted; <see cref="GetStatusAsync"/> shows the progress.
    /// </summary>
    Task<FailoverStatus> RejoinAsync(RejoinCommand command);
}

/// <summary>The names of the configured failover services (one grain, key <see cref="Key"/>).</summary>
public interface IFailoverRegistryGrain : IGrainWithStringKey
{
    public const string Key = "failover";

    Task AddAsync(string service);

    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListAsync();
}
