// The failover state machine, as a pure function of (phase, event) to (next phase, effects). The
// grain applies the effects and persists the result before the next step acts, one step per grain
// turn, so a controller that dies anywhere resumes in the phase it was in, with the same epoch; each
// step is idempotent, so repeating the interrupted one is safe.
//
//   Monitoring --Confirmed/Requested (epoch+1)--> Fencing --> CatchingUp --> Promoting --> Repointing
//     --> EnablingTraffic --> PublishingDns --> Notifying --> Monitoring
//
//   Monitoring --RejoinRequested--> RejoinStopping --> RejoinRewinding --> RejoinStarting --> RejoinVerifying
//     --> Monitoring                                         (the epoch stays: the primary does not change)
//
// A failed step is retried in place; when its attempts run out, an essential step (fencing,
// catching up, promoting, enabling traffic, DNS) halts the failover for an operator, while a
// best-effort step (repointing other replicas, notifying) records the failure and moves on.
using Vault.Failover;

namespace Vault.Grains.Failover;

public enum FailoverEvent
{
    /// <summary>The primary is dead by the threshold and a majority of observers, or an operator forced a failover.</summary>
    FailoverConfirmed,

    /// <summary>An operator asked for a planned switchover.</summary>
    SwitchoverRequested,

    StepSucceeded,

    /// <summary>The step failed and has attempts left.</summary>
    StepFailed,

    /// <summary>The step failed its last attempt.</summary>
    AttemptsExhausted,

    /// <summary>An operator resumed a halted failover.</summary>
    OperatorResumed,

    /// <summary>An operator (or AutoRejoin) asked to turn an old primary into a replica.</summary>
    RejoinRequested,
}

/// <param name="To">The next phase.</param>
/// <param name="Halted">The failover waits for an operator in <paramref name="To"/>.</param>
/// <param name="Effects">What the controller does because of the transition, besides entering <paramref name="To"/>.</param>
public readonly record struct FailoverTransition(FailoverPhase To, bool Halted, FailoverEffects Effects)
{
    /// <summary>A new failover starts: the epoch (fencing token) increments.</summary>
    public bool NewEpoch => Effects.HasFlag(FailoverEffects.NewEpoch);

    public bool Has(FailoverEffects effect) => (Effects & effect) == effect;
}

public static class FailoverTransitions
{
    /// <summary>The transition for an event, or null when the event is not valid in that phase.</summary>
    public static FailoverTransition? Next(FailoverPhase phase, bool halted, FailoverEvent e)
    {
        if (halted)
        {
            // A halted failover only moves when an operator resumes it: the step is tried again.
            return e == FailoverEvent.OperatorResumed
                ? new FailoverTransition(phase, false, FailoverEffects.ResetAttempts | FailoverEffects.RunStep)
                : null;
        }

        return (phase, e) switch
        {
            (FailoverPhase.Monitoring, FailoverEvent.FailoverConfirmed or FailoverEvent.SwitchoverRequested)
                => new FailoverTransition(FailoverPhase.Fencing, false, FailoverEffects.NewEpoch | FailoverEffects.ResetAttempts | FailoverEffects.RunStep),
            (FailoverPhase.Monitoring, FailoverEvent.RejoinRequested)
                => new FailoverTransition(FailoverPhase.RejoinStopping, false, FailoverEffects.ResetAttempts | FailoverEffects.RunStep),
            (FailoverPhase.Monitoring, _) => null,
            (_, FailoverEvent.FailoverConfirmed or FailoverEvent.SwitchoverRequested or FailoverEvent.OperatorResumed or FailoverEvent.RejoinRequested) => null,
            (_, FailoverEvent.StepSucceeded) => Advance(phase, phase == FailoverPhase.Promoting ? FailoverEffects.SwitchPrimary : FailoverEffects.None),
            (_, FailoverEvent.StepFailed) => new FailoverTransition(phase, false, FailoverEffects.RetryAfterBackoff | FailoverEffects.RunStep),
            (_, FailoverEvent.AttemptsExhausted) when IsEssential(phase) => new FailoverTransition(phase, true, FailoverEffects.NotifyHalted),
            (_, FailoverEvent.AttemptsExhausted) => Advance(phase, FailoverEffects.MarkDegraded),
            _ => null,
        };
    }

    private static FailoverTransition Advance(FailoverPhase phase, FailoverEffects extra)
    {
        var to = After(phase);
        var next = to == FailoverPhase.Monitoring ? FailoverEffects.Complete : FailoverEffects.RunStep;
        return new FailoverTransition(to, false, extra | FailoverEffects.ResetAttempts | next);
    }

    /// <summary>A step without which the failover must not be called done.</summary>
    public static bool IsEssential(FailoverPhase phase) =>
        phase is FailoverPhase.Fencing or FailoverPhase.CatchingUp or FailoverPhase.Promoting or FailoverPhase.EnablingTraffic or FailoverPhase.PublishingDns
            || IsRejoin(phase);

    /// <summary>A step of a rejoin (every one essential: a half-rejoined node must not be called a replica).</summary>
    public static bool IsRejoin(FailoverPhase phase) =>
        phase is FailoverPhase.RejoinStopping or FailoverPhase.RejoinRewinding or FailoverPhase.RejoinStarting or FailoverPhase.RejoinVerifying;

    private static FailoverPhase After(FailoverPhase phase) => phase switch
    {
        FailoverPhase.Fencing => FailoverPhase.CatchingUp,
        FailoverPhase.CatchingUp => FailoverPhase.Promoting,
        FailoverPhase.Promoting => FailoverPhase.Repointing,
        FailoverPhase.Repointing => FailoverPhase.EnablingTraffic,
        FailoverPhase.EnablingTraffic => FailoverPhase.PublishingDns,
        FailoverPhase.PublishingDns => FailoverPhase.Notifying,
        FailoverPhase.Notifying => FailoverPhase.Monitoring,
        FailoverPhase.RejoinStopping => FailoverPhase.RejoinRewinding,
        FailoverPhase.RejoinRewinding => FailoverPhase.RejoinStarting,
        FailoverPhase.RejoinStarting => FailoverPhase.RejoinVerifying,
        FailoverPhase.RejoinVerifying => FailoverPhase.Monitoring,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "no step follows this phase"),
    };
}
