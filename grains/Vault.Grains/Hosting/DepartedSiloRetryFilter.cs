using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Messaging;
using Vault.Peers;

namespace Vault.Grains.Hosting;

/// <summary>
/// Retries a grain call that met a silo which is gone (killed, crashed, cut off) until cluster
/// membership has declared it dead and the grain can be activated on a live silo, for at most
/// <see cref="Patience"/>. Without it the first calls after a node's death fail with Orleans'
/// connection errors although every grain can live elsewhere and every pack has another copy.
///
/// Safe to repeat: the errors retried mean the message never reached a running activation
/// ("unable to connect", "target silo is dead") or the activation died with its silo, and every
/// grain method Vault routes here is idempotent or guarded by its state (adds of index entries, a
/// snapshot commit, lease renewals). Calls to a node's own grain (<see cref="IPeerGrain"/>, pinned to
/// that node) are not retried: that grain cannot move, and its callers already go on to the next
/// holder of a pack or report the node as unreachable.
///
/// A message already on its way to a silo that is then killed gets no answer at all: the caller sees
/// Orleans' response timeout (a <see cref="TimeoutException"/>), not a connection error. One such
/// timeout is retried as well — by then membership has usually declared the silo dead, so the retry
/// reaches a new activation; a second timeout is the caller's answer.
/// </summary>
public sealed partial class DepartedSiloRetryFilter(ILogger<DepartedSiloRetryFilter> logger) : IOutgoingGrainCallFilter
{
    /// <summary>How long a call waits for membership to replace a departed silo (default failure detection declares a silo dead well within it).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public static bool IsDeparted(Exception e) => e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
        || e.InnerException is SiloUnavailableException or ConnectionFailedException;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.Grain is IPeerGrain)
        {
            await context.Invoke();
            return;
        }

        var clock = Stopwatch.StartNew();
        var delay = FirstDelay;
        var attempts = 0;
        var timeouts = 0;
        bool Retryable(Exception e) => IsDeparted(e) || (e is TimeoutException && timeouts++ == 0);
        while (true)
        {
            Exception? failure;
            bool retry;
            try
            {
                await context.Invoke();
                failure = context.Response?.Exception;
                retry = failure is not null && Retryable(failure);
            }
            catch (Exception e) when (clock.Elapsed < Patience && Retryable(e))
            {
                failure = e;
                retry = true;
            }

            if (!retry || failure is null)
            {
                if (attempts > 0)
                {
                    LogRecovered(context.InterfaceName, context.MethodName, attempts, clock.Elapsed.TotalSeconds);
                }

                return;
            }

            if (clock.Elapsed >= Patience)
            {
                LogGaveUp(context.InterfaceName, context.MethodName, clock.Elapsed.TotalSeconds, failure.Message);
                return;
            }

            if (attempts++ == 0)
            {
                LogWaiting(context.InterfaceName, context.MethodName, context.TargetId.ToString(), failure.Message, Patience.TotalSeconds);
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning,
        Message = "{Interface}.{Method} to {Target} met a silo that is gone ({Reason}); retrying until membership declares it dead and the grain moves (at most {Patience} s)")]
    private partial void LogWaiting(string @interface, string method, string target, string reason, double patience);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "{Interface}.{Method} succeeded after {Attempts} retries ({Seconds:F1} s) past a departed silo")]
    private partial void LogRecovered(string @interface, string method, int attempts, double seconds);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "{Interface}.{Method}: the silo it needs is still gone after {Seconds:F0} s: {Reason}")]
    private partial void LogGaveUp(string @interface, string method, double seconds, string reason);
}
