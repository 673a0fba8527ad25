namespace Vault.Grains.Failover;

/// <summary>
/// What a transition asks the controller to do besides entering its next phase. The state machine
/// (<see cref="FailoverTransitions"/>) only names them; the controller grain carries them out.
/// </summary>
[Flags]
public enum FailoverEffects
{
    None = 0,

    /// <summary>A failover starts: increment the epoch and record its kind, target and old primary.</summary>
    NewEpoch = 1,

    /// <summary>The attempt counter starts again (a new phase, or an operator's retry).</summary>
    ResetAttempts = 2,

    /// <summary>Run the step of the next phase in a later turn of the controller.</summary>
    RunStep = 4,

    /// <summary>Wait (longer after each failed attempt) before the step is tried again.</summary>
    RetryAfterBackoff = 8,

    /// <summary>A best-effort step ran out of attempts: the failover finishes, but degraded.</summary>
    MarkDegraded = 16,

    /// <summary>The promotion succeeded: the target is the primary; after a failover the old one is fenced.</summary>
    SwitchPrimary = 32,

    /// <summary>An essential step ran out of attempts: log, count and notify that the failover waits for an operator.</summary>
    NotifyHalted = 64,

    /// <summary>The last step is done: record the failover's end and its duration.</summary>
    Complete = 128,
}
