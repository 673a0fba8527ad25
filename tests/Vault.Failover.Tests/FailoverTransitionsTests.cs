using Vault.Failover;
using Vault.Grains.Failover;
using static Vault.Failover.FailoverPhase;
using static Vault.Grains.Failover.FailoverEvent;

namespace Vault.Failover.Tests;

public sealed class FailoverTransitionsTests
{
    public static TheoryData<FailoverPhase, bool, FailoverEvent, FailoverPhase?, bool, bool> Table => new()
    {
        // from, halted, event → to (null = invalid), halted, new epoch
        { Monitoring, false, FailoverConfirmed, Fencing, false, true },
        { Monitoring, false, SwitchoverRequested, Fencing, false, true },
        { Monitoring, false, StepSucceeded, null, false, false },
        { Monitoring, false, StepFailed, null, false, false },
        { Monitoring, false, OperatorResumed, null, false, false },
        { Fencing, false, StepSucceeded, CatchingUp, false, false },
        { CatchingUp, false, StepSucceeded, Promoting, false, false },
        { Promoting, false, StepSucceeded, Repointing, false, false },
        { Repointing, false, StepSucceeded, EnablingTraffic, false, false },
        { EnablingTraffic, false, StepSucceeded, PublishingDns, false, false },
        { PublishingDns, false, StepSucceeded, Notifying, false, false },
        { Notifying, false, StepSucceeded, Monitoring, false, false },
        // A failed attempt retries the same step.
        { Fencing, false, StepFailed, Fencing, false, false },
        { Promoting, false, StepFailed, Promoting, false, false },
        { Notifying, false, StepFailed, Notifying, false, false },
        // Out of attempts: essential steps halt, best-effort steps move on.
        { Fencing, false, AttemptsExhausted, Fencing, true, false },
        { CatchingUp, false, AttemptsExhausted, CatchingUp, true, false },
        { Promoting, false, AttemptsExhausted, Promoting, true, false },
        { EnablingTraffic, false, AttemptsExhausted, EnablingTraffic, true, false },
        { PublishingDns, false, AttemptsExhausted, PublishingDns, true, false },
        { Repointing, false, AttemptsExhausted, EnablingTraffic, false, false },
        { Notifying, false, AttemptsExhausted, Monitoring, false, false },
        // A failover in progress cannot be started again.
        { Fencing, false, FailoverConfirmed, null, false, false },
        { Promoting, false, SwitchoverRequested, null, false, false },
        { Promoting, false, OperatorResumed, null, false, false },
        // A halted failover moves only when an operator resumes it, and then retries its step.
        { PublishingDns, true, OperatorResumed, PublishingDns, false, false },
        { Fencing, true, OperatorResumed, Fencing, false, false },
        { Fencing, true, StepSucceeded, null, false, false },
        { Fencing, true, FailoverConfirmed, null, false, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Next_Table_GivesTheTransition(FailoverPhase from, bool halted, FailoverEvent e, FailoverPhase? to, bool haltedAfter, bool newEpoch)
    {
        var t = FailoverTransitions.Next(from, halted, e);
        if (to is null)
        {
            Assert.Null(t);
            return;
        }

        Assert.Equal(new FailoverTransition(to.Value, haltedAfter, newEpoch), t);
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
