using Orleans.Concurrency;
using Vault.Retention;

namespace Vault.Schedules;

// A schedule runs one action (a backup of a node's paths, a forget by retention policy, a garbage
// collection) at an interval or at the times of a cron expression, and retries a failed run with
// exponential backoff. Declared in configuration (Vault:Schedules:<name>:…) or through the API;
// validated before use. The grain behind one schedule keeps its state durable and re-arms itself
// from an Orleans reminder, so schedules survive silo restarts.

/// <summary>What a schedule does when due. New kinds (a check) are added at the end.</summary>
public enum ScheduleKind
{
    /// <summary>Backs up <see cref="ScheduleSpec.Paths"/> on <see cref="ScheduleSpec.Node"/>, following the job to its end.</summary>
    Backup = 0,

    /// <summary>Forgets snapshots by <see cref="ScheduleSpec.Retention"/> (filters: node, one path, one tag).</summary>
    Forget = 1,

    /// <summary>Runs a garbage collection on <see cref="ScheduleSpec.Node"/> (null: any node), following it to its end.</summary>
    Gc = 2,
}

/// <summary>
/// One schedule's definition. Exactly one of <see cref="Every"/> and <see cref="Cron"/> is set. Bound
/// from Vault:Schedules:&lt;name&gt; at start (the name is the key) or sent through the API.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.schedule-spec")]
public sealed record ScheduleSpec
{
    /// <summary>1–64 letters, digits, '.', '_' or '-'; the grain's key.</summary>
    [Id(0)] public string Name { get; init; } = "";

    [Id(1)] public ScheduleKind Kind { get; init; }

    /// <summary>Backup: the node whose disk holds the paths. Forget: only this node's snapshots. GC: where it runs (null: any node).</summary>
    [Id(2)] public string? Node { get; init; }

    /// <summary>Backup: absolute paths on the node. Forget: at most one, a filter.</summary>
    [Id(3)] public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Backup only: glob patterns to skip.</summary>
    [Id(4)] public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>Backup: tags of the snapshots. Forget: at most one, a filter.</summary>
    [Id(5)] public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Runs every this long, counted from when the schedule was set (at least one minute).</summary>
    [Id(6)] public TimeSpan? Every { get; init; }

    /// <summary>A 5-field cron expression in UTC: minute hour day-of-month month day-of-week.</summary>
    [Id(7)] public string? Cron { get; init; }

    /// <summary>Retries after a failed run (0–20) before the failure is recorded and the schedule waits for its next time.</summary>
    [Id(8)] public int MaxRetries { get; init; } = 3;

    /// <summary>The delay before the first retry; it doubles for each further one, up to one hour.</summary>
    [Id(9)] public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Forget only: the policy applied (required there).</summary>
    [Id(10)] public RetentionPolicy? Retention { get; init; }

    /// <summary>A disabled schedule keeps its definition and history but never comes due (it can still be run by hand).</summary>
    [Id(11)] public bool Enabled { get; init; } = true;
}

/// <summary>How the last finished attempt of a schedule ended.</summary>
public enum ScheduleResult
{
    None = 0,
    Succeeded = 1,
    Failed = 2,
}

/// <summary>A schedule's definition and where it stands.</summary>
[GenerateSerializer, Immutable, Alias("vault.schedule-info")]
public sealed record ScheduleInfo(
    ScheduleSpec Spec,
    /// <summary>The next time the schedule comes due; null when disabled.</summary>
    DateTimeOffset? NextDue,
    /// <summary>When the last attempt started (running or finished).</summary>
    DateTimeOffset? LastRun,
    ScheduleResult LastResult,
    /// <summary>Why the last attempt failed; null after a success.</summary>
    string? LastError,
    /// <summary>What the last successful attempt did (snapshot id, snapshots kept and removed, bytes freed).</summary>
    string? LastDetail,
    /// <summary>Failed attempts since the last success.</summary>
    int ConsecutiveFailures,
    /// <summary>The attempt the current run is at (1 = the first); 0 when no run is in progress.</summary>
    int Attempt,
    /// <summary>When the next retry starts, while a failed run waits for it.</summary>
    DateTimeOffset? RetryAt,
    /// <summary>The job the schedule is following (a backup or GC), and its node.</summary>
    JobId? CurrentJob,
    string? CurrentNode);

/// <summary>One schedule (key: its name). Validates its definition, runs it when due, retries, records the outcome.</summary>
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the definition. Throws <see cref="InvalidRequestException"/> naming every broken rule.</summary>
    Task<ScheduleInfo> PutAsync(ScheduleSpec spec);

    /// <summary>Throws <see cref="NotFoundException"/> when the schedule does not exist.</summary>
    Task<ScheduleInfo> GetAsync();

    Task<ScheduleInfo?> TryGetAsync();

    /// <summary>Removes the schedule and its reminder; a job it started keeps running. Returns its last state.</summary>
    Task<ScheduleInfo> DeleteAsync();

    /// <summary>Starts a run now (with the usual retries); the next due time is unchanged. Refused while a run's job is in progress.</summary>
    Task<ScheduleInfo> RunNowAsync();
}

/// <summary>The names of all schedules (one grain, key <see cref="Key"/>).</summary>
public interface IScheduleRegistryGrain : IGrainWithStringKey
{
    public const string Key = "schedules";

    Task AddAsync(string name);

    Task RemoveAsync(string name);

    [AlwaysInterleave]
    Task<IReadOnlyList<string>> ListAsync();
}
