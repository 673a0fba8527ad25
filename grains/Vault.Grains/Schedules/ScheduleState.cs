using Vault.Schedules;

namespace Vault.Grains.Schedules;

/// <summary>
/// What survives a schedule's silo: the definition, the due times, the run in progress (its attempt,
/// the job it follows, when it retries) and the outcome of the last attempt. A job followed across a
/// restart of its node is gone; the new activation finds that out and counts it as a failed attempt.
/// </summary>
[GenerateSerializer, Alias("vault.schedule-state")]
public sealed class ScheduleState
{
    [Id(0)] public ScheduleSpec? Spec { get; set; }

    /// <summary>When the timing was last set: intervals count from here.</summary>
    [Id(1)] public DateTimeOffset Anchor { get; set; }

    [Id(2)] public DateTimeOffset? NextDue { get; set; }

    [Id(3)] public DateTimeOffset? LastRun { get; set; }

    [Id(4)] public ScheduleResult LastResult { get; set; }

    [Id(5)] public string? LastError { get; set; }

    [Id(6)] public string? LastDetail { get; set; }

    [Id(7)] public int ConsecutiveFailures { get; set; }

    /// <summary>Attempts made by the run in progress; 0 when none is.</summary>
    [Id(8)] public int Attempt { get; set; }

    [Id(9)] public DateTimeOffset? RetryAt { get; set; }

    [Id(10)] public FollowedJob? Following { get; set; }

    public ScheduleInfo ToInfo(ScheduleSpec spec) =>
        new(spec, NextDue, LastRun, LastResult, LastError, LastDetail, ConsecutiveFailures, Attempt, RetryAt, Following?.Job, Following?.Node);
}
