using Vault.Failover;
using Vault.Grains.Failover;
using static Vault.Failover.FailoverPhase;
using static Vault.Grains.Failover.FailoverEvent;
using E = Vault.Grains.Failover.FailoverEffects;

namespace Vault.Failover.Tests;

public sealed class FailoverTransitionsTests
{
    private const E Step = E.ResetAttempts | E.RunStep;

    public static TheoryData<FailoverPhase, bool, FailoverEvent, FailoverPhase?, bool, E> Table => new()
    {
        // from, halted, event → to (null = invalid), halted, effects
        { Monitoring, false, FailoverConfirmed, Fencing, false, E.NewEpoch | Step },
        { Monitoring, false, SwitchoverRequested, Fencing, false, E.NewEpoch | Step },
        { Monitoring, false, StepSucceeded, null, false, E.None },
        { Monitoring, false, StepFailed, null, false, E.None },
        { Monitoring, false, OperatorResumed, null, false, E.None },
        { Fencing, false, StepSucceeded, CatchingUp, false, Step },
        { CatchingUp, false, StepSucceeded, Promoting, false, Step },
        // Only a successful promotion moves the primary.
        { Promoting, false, StepSucceeded, Repointing, false, Step | E.SwitchPrimary },
        { Repointing, false, StepSucceeded, EnablingTraffic, false, Step },
        { EnablingTraffic, false, StepSucceeded, PublishingDns, false, Step },
        { PublishingDns, false, StepSucceeded, Notifying, false, Step },
        { Notifying, false, StepSucceeded, Monitoring, false, E.ResetAttempts | E.Complete },
        // A failed attempt retries the same step, after a back-off.
        { Fencing, false, StepFailed, Fencing, false, E.RetryAfterBackoff | E.RunStep },
        { Promoting, false, StepFailed, Promoting, false, E.RetryAfterBackoff | E.RunStep },
        { Notifying, false, StepFailed, Notifying, false, E.RetryAfterBackoff | E.RunStep },
        // Out of attempts: essential steps halt, best-effort steps move on, degraded.
        { Fencing, false, AttemptsExhausted, Fencing, true, E.NotifyHalted },
        { CatchingUp, false, AttemptsExhausted, CatchingUp, true, E.NotifyHalted },
        { Promoting, false, AttemptsExhausted, Promoting, true, E.NotifyHalted },
        { EnablingTraffic, false, AttemptsExhausted, EnablingTraffic, true, E.NotifyHalted },
        { PublishingDns, false, AttemptsExhausted, PublishingDns, true, E.NotifyHalted },
        { Repointing, false, AttemptsExhausted, EnablingTraffic, false, Step | E.MarkDegraded },
        { Notifying, false, AttemptsExhausted, Monitoring, false, E.ResetAttempts | E.Complete | E.MarkDegraded },
        // A failover in progress cannot be started again.
        { Fencing, false, FailoverConfirmed, null, false, E.None },
        { Promoting, false, SwitchoverRequested, null, false, E.None },
        { Promoting, false, OperatorResumed, null, false, E.None },
        // A halted failover moves only when an operator resumes it, and then retries its step.
        { PublishingDns, true, OperatorResumed, PublishingDns, false, Step },
        { Fencing, true, OperatorResumed, Fencing, false, Step },
        { Fencing, true, StepSucceeded, null, false, E.None },
        { Fencing, true, FailoverConfirmed, null, false, E.None },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Next_Table_GivesTheTransitionAndItsEffects(FailoverPhase from, bool halted, FailoverEvent e, FailoverPhase? to, bool haltedAfter, E effects)
    {
        var t = FailoverTransitions.Next(from, halted, e);
        if (to is null)
        {
            Assert.Null(t);
            return;
        }

        Assert.Equal(new FailoverTransition(to.Value, haltedAfter, effects), t);
        Assert.Equal(effects.HasFlag(E.NewEpoch), t!.Value.NewEpoch);
    }

    [Fact]
    public void Next_OnlyAFailoverStartingFromMonitoringIncrementsTheEpoch()
    {
        foreach (var phase in Enum.GetValues<FailoverPhase>())
        {
            foreach (var halted in new[] { false, true })
            {
                foreach (var e in Enum.GetValues<FailoverEvent>())
                {
                    var starts = phase == Monitoring && !halted && e is FailoverConfirmed or SwitchoverRequested;
                    Assert.True(starts == (FailoverTransitions.Next(phase, halted, e)?.NewEpoch == true), $"{phase} halted={halted} {e}");
                }
            }
        }
    }

    [Fact]
    public void Next_EverySuccessFromFencing_ReachesMonitoringThroughEveryStep()
    {
        var phase = Fencing;
        var seen = new List<FailoverPhase> { phase };
        while (phase != Monitoring)
        {
            phase = FailoverTransitions.Next(phase, false, StepSucceeded)!.Value.To;
            seen.Add(phase);
        }

        Assert.Equal([Fencing, CatchingUp, Promoting, Repointing, EnablingTraffic, PublishingDns, Notifying, Monitoring], seen);
    }
}
