using Orleans.Concurrency;

namespace Vault.Grains.Schedules;

/// <summary>
/// The schedule grain's own wake-up call: its timer runs on the node's <see cref="TimeProvider"/> and, when
/// due, calls back into the grain through this interface so the tick runs as an ordinary grain turn.
/// </summary>
public interface IScheduleWakeGrain : IGrainWithStringKey
{
    /// <summary>Runs what is due (an attempt, a retry or a poll of the followed job) and re-arms the timer; a stale wake only re-arms.</summary>
    [OneWay]
    Task WakeAsync();
}
