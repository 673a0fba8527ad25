// The action of each failover phase. Every step is idempotent: a controller that resumes after its
// silo died repeats the interrupted step, and repeating it must do no harm (set maint twice, promote
// a node that is already primary, write the same DNS value). A step throws FailoverStepException
// with a message for the audit; it returns a short description of what it did.
using System.Globalization;
using Vault.Failover;
using Vault.Grains.Failover.Dns;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Failover.Fencing;
using Vault.Grains.Failover.Notify;
using Vault.Grains.Failover.Rejoin;
using Vault.Grains.Failover.Traffic;

namespace Vault.Grains.Failover;

/// <summary>The failover being driven: who, from where to where, with which token.</summary>
public sealed record FailoverRun(string Service, FailoverServiceSpec Spec, FailoverKind Kind, long Epoch, string OldPrimary, string Target);

public sealed class FailoverSteps(ReplicationEngines engines, WebhookNotifier notifier, ObserverRoutes routes, SshFence fence, Vault.Notifications.INotificationSink notifications, TrafficProviders traffic, RejoinSteps rejoin)
{
    /// <summary>Runs the action of one phase once; <paramref name="progress"/> receives reports from a step that waits (a catch-up's positions).</summary>
    public async Task<string> RunAsync(FailoverPhase phase, FailoverRun run, IProgress<string> progress, CancellationToken cancellationToken) => phase switch
    {
        FailoverPhase.Fencing => await FenceAsync(run, cancellationToken),
        FailoverPhase.CatchingUp => await CatchUpAsync(run, progress, cancellationToken),
        FailoverPhase.Promoting => await PromoteAsync(run, cancellationToken),
        FailoverPhase.Repointing => await RepointAsync(run, cancellationToken),
        FailoverPhase.EnablingTraffic => await EnableTrafficAsync(run, cancellationToken),
        FailoverPhase.PublishingDns => await PublishDnsAsync(run, cancellationToken),
        FailoverPhase.Notifying => await NotifyAsync(run, "failover.completed", $"{run.Kind} to {run.Target} completed", cancellationToken),
        _ when FailoverTransitions.IsRejoin(phase) => await rejoin.RunAsync(phase, run, node => Endpoint(run.Spec, node), progress, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a failover step"),
    };

    public ServerEndpoint Endpoint(FailoverServiceSpec spec, string node)
    {
        var n = spec.Nodes.FirstOrDefault(x => FailoverSpecValidator.NameOf(x) == node)
            ?? throw new FailoverStepException($"node '{node}' is not in the configuration");
        return routes.Apply(Secrets.EndpointOf(spec, n));
    }

    public static FailoverNodeSpec Node(FailoverServiceSpec spec, string node) =>
        spec.Nodes.First(x => FailoverSpecValidator.NameOf(x) == node);

    /// <summary>Sends an event to the webhooks; returns the failures (empty = delivered or none configured).</summary>
    public async Task<string> NotifyAsync(FailoverRun run, string eventName, string message, CancellationToken cancellationToken)
    {
        Announce(run.Service, run.Kind, run.Epoch, run.OldPrimary, run.Target, eventName, message);
        if (run.Spec.Webhooks.Count == 0)
        {
            return "no webhooks configured";
        }

        var failures = await notifier.NotifyAsync(run.Spec.Webhooks,
            new FailoverNotice(eventName, run.Service, run.Epoch, run.OldPrimary, run.Target, message, DateTimeOffset.UtcNow), 3, cancellationToken);
        return failures.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{eventName} delivered to {run.Spec.Webhooks.Count} webhook(s)")
            : throw new FailoverStepException(string.Join("; ", failures));
    }

    /// <summary>Hands a failover event to the node's notifications (routed, deduplicated, durable), besides the service's own webhooks.</summary>
    public void Announce(string service, FailoverKind kind, long epoch, string? oldPrimary, string target, string eventName, string message) =>
        Notifications.FailoverEvents.Publish(notifications, service, kind, epoch, oldPrimary, target, eventName, message);

    /// <summary>The service's load balancer, or null when it configures none.</summary>
    public ITrafficProvider? Traffic(FailoverServiceSpec spec) => traffic.For(spec);

    /// <summary>Pre-flight: the load balancer answers and knows every node; the text for status. Never throws for the balancer's faults.</summary>
    public async Task<string?> PreflightAsync(FailoverServiceSpec spec, CancellationToken cancellationToken)
    {
        if (Traffic(spec) is not { } provider)
        {
            return null;
        }

        try
        {
            return "ok: " + await provider.PreflightAsync(spec.Nodes.ToList(), cancellationToken);
        }
        catch (FailoverStepException e)
        {
            return "UNREACHABLE: " + e.Message;
        }
    }

    private async Task<string> FenceAsync(FailoverRun run, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        if (Traffic(run.Spec) is { } provider)
        {
            // Pre-flight: a load balancer that cannot be driven stops the failover before it acts on any database.
            try
            {
                await provider.PreflightAsync(run.Spec.Nodes.ToList(), cancellationToken);
            }
            catch (FailoverStepException e)
            {
                throw new FailoverStepException($"pre-flight: {e.Message}; nothing was changed", e);
            }

            done.Add(await provider.DisableAsync(Node(run.Spec, run.OldPrimary), cancellationToken));
        }

        var engine = engines.For(run.Spec.Engine);
        var old = Endpoint(run.Spec, run.OldPrimary);
        if (run.Kind == FailoverKind.Switchover)
        {
            await engine.DemoteAsync(old, run.Spec.CheckTimeout * 3, cancellationToken);
            done.Add($"{run.OldPrimary} stopped taking writes");
        }
        else if (await fence.FenceAsync(run, Node(run.Spec, run.OldPrimary), old, engine, cancellationToken) is { } fenced)
        {
            // Its machine answers SSH: the database is stopped there (or the service's policy let an unreachable host pass).
            done.Add(fenced);
        }
        else
        {
            // The old primary is down by the majority's checks; if it still answers, stop its writes too.
            try
            {
                await engine.DemoteAsync(old, run.Spec.CheckTimeout, cancellationToken);
                done.Add($"{run.OldPrimary} answered and was made read-only");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                done.Add($"{run.OldPrimary} is unreachable (not demoted: {PostgresEngine.Describe(e)})");
            }
        }

        return string.Join("; ", done);
    }

    private async Task<string> CatchUpAsync(FailoverRun run, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (run.Kind == FailoverKind.Failover)
        {
            return "not needed: the old primary is down";
        }

        var engine = engines.For(run.Spec.Engine);
        var old = Endpoint(run.Spec, run.OldPrimary);
        var target = Endpoint(run.Spec, run.Target);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Spec.SwitchoverCatchUpTimeout);
        var last = "";
        while (true)
        {
            var p = await engine.ObserveAsync(old, run.Spec.CheckTimeout, cancellationToken);
            var r = await engine.ObserveAsync(target, run.Spec.CheckTimeout, cancellationToken);
            if (p.Position is { } pp && r.Position is { } rp && rp >= pp)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{run.Target} reached position {rp} of {run.OldPrimary}");
            }

            last = string.Create(CultureInfo.InvariantCulture, $"{run.OldPrimary} at {p.Position?.ToString(CultureInfo.InvariantCulture) ?? p.Error}, {run.Target} at {r.Position?.ToString(CultureInfo.InvariantCulture) ?? r.Error}");
            progress.Report("waiting for zero lag: " + last);
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FailoverStepException($"{run.Target} did not reach zero lag within {run.Spec.SwitchoverCatchUpTimeout.TotalSeconds:0.#} s: {last}");
            }
        }
    }

    private async Task<string> PromoteAsync(FailoverRun run, CancellationToken cancellationToken)
    {
        var engine = engines.For(run.Spec.Engine);
        var target = Endpoint(run.Spec, run.Target);
        try
        {
            await engine.PromoteAsync(target, TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception e) when (e is not FailoverStepException && e is not OperationCanceledException)
        {
            throw new FailoverStepException($"promoting {target} failed: {PostgresEngine.Describe(e)}", e);
        }

        var seen = await engine.ObserveAsync(target, run.Spec.CheckTimeout * 2, cancellationToken);
        if (seen.Role != NodeRole.Primary)
        {
            throw new FailoverStepException($"{target} still reports role {seen.Role} after promotion{(seen.Error is null ? "" : ": " + seen.Error)}");
        }

        return run.Spec.SynchronousMode && run.Spec.Engine == FailoverEngine.PostgreSql
            ? $"{run.Target} is primary; {await SetSynchronousStandbysAsync(run, target, cancellationToken)}"
            : $"{run.Target} is primary";
    }

    /// <summary>
    /// Synchronous mode: the new primary waits for ANY 1 of the surviving replicas, so it does not block
    /// every commit on a standby that is gone. None left: emptied with a critical alert (Degrade) or the
    /// lost standbys named anyway (Block). Idempotent: the same value is set again on a repeat.
    /// </summary>
    private async Task<string> SetSynchronousStandbysAsync(FailoverRun run, ServerEndpoint primary, CancellationToken cancellationToken)
    {
        var survivors = run.Spec.Nodes.Select(FailoverSpecValidator.NameOf).Where(n => n != run.Target && n != run.OldPrimary).ToList();
        var degrade = survivors.Count == 0 && run.Spec.NoSynchronousStandby == NoSynchronousStandbyPolicy.Degrade;
        var names = survivors.Count > 0 ? survivors : [run.OldPrimary];
        var value = degrade ? "" : $"ANY 1 ({string.Join(", ", names.Select(n => "\"" + n.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""))})";
        var postgres = (PostgresEngine)engines.For(FailoverEngine.PostgreSql);
        var now = await postgres.SetSynchronousStandbysAsync(primary, value, run.Spec.CheckTimeout * 3, cancellationToken);
        if (now != value)
        {
            throw new FailoverStepException($"{primary} reports synchronous_standby_names '{now}' after setting '{value}'");
        }

        if (!degrade)
        {
            return survivors.Count > 0
                ? $"synchronous_standby_names = '{value}'"
                : $"no replica survives; synchronous_standby_names = '{value}': commits wait until {run.OldPrimary} rejoins (policy Block)";
        }

        var alert = $"CRITICAL: no synchronous standby is left for {run.Service}; synchronous_standby_names on {run.Target} emptied, commits are no longer confirmed by a replica (policy Degrade)";
        string delivered;
        try
        {
            delivered = await NotifyAsync(run, "failover.sync-standby-lost", alert, cancellationToken);
        }
        catch (FailoverStepException e)
        {
            delivered = "alert not delivered: " + e.Message;
        }

        return $"{alert}; {delivered}";
    }

    private async Task<string> RepointAsync(FailoverRun run, CancellationToken cancellationToken)
    {
        var engine = engines.For(run.Spec.Engine);
        var primary = Endpoint(run.Spec, run.Target);
        var others = run.Spec.Nodes.Select(FailoverSpecValidator.NameOf).Where(n => n != run.Target && n != run.OldPrimary).ToList();
        if (run.Kind == FailoverKind.Switchover && run.Spec.Engine != FailoverEngine.PostgreSql)
        {
            // A live old primary can follow the new one (Redis partial resync, MariaDB GTID); PostgreSQL needs pg_rewind.
            others.Add(run.OldPrimary);
        }

        if (others.Count == 0)
        {
            return "no other replicas";
        }

        var done = new List<string>();
        var failed = new List<string>();
        foreach (var name in others)
        {
            try
            {
                await engine.RepointAsync(Endpoint(run.Spec, name), primary, run.Spec.CheckTimeout * 3, cancellationToken);
                done.Add(name);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed.Add($"{name}: {PostgresEngine.Describe(e)}");
            }
        }

        return failed.Count == 0
            ? $"repointed {string.Join(", ", done)} to {run.Target}"
            : throw new FailoverStepException($"repointed [{string.Join(", ", done)}]; could not repoint {string.Join("; ", failed)}");
    }

    private async Task<string> EnableTrafficAsync(FailoverRun run, CancellationToken cancellationToken)
    {
        if (Traffic(run.Spec) is not { } provider)
        {
            return "no traffic target configured";
        }

        var done = await provider.EnableAsync(Node(run.Spec, run.Target), cancellationToken);
        if (run.Spec.Traffic!.CheckEndpoint is not { } through)
        {
            return done;
        }

        // A query through the load balancer must reach the new primary (a balancer may still hold the old route briefly).
        var (host, port) = FailoverSpecValidator.SplitEndpoint(through);
        var endpoint = Endpoint(run.Spec, run.Target) with { Name = $"{run.Target} through {through}", Host = host, Port = port };
        var engine = engines.For(run.Spec.Engine);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Spec.Traffic.Timeout * 5);
        NodeObservation? seen = null;
        try
        {
            while (true)
            {
                seen = await engine.ObserveAsync(endpoint, run.Spec.CheckTimeout, deadline.Token);
                if (seen.Reachable && seen.Role == NodeRole.Primary)
                {
                    return $"{done}; a query through {through} reached a primary";
                }

                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"{done}, but a query through {through} did not reach a primary within {(run.Spec.Traffic.Timeout * 5).TotalSeconds:0.#} s: " +
                (seen is null ? "no answer" : seen.Reachable ? $"it answers as {seen.Role}" : seen.Error));
        }
    }

    private static async Task<string> PublishDnsAsync(FailoverRun run, CancellationToken cancellationToken)
    {
        if (run.Spec.Dns is not { } dns)
        {
            return "no DNS record configured";
        }

        var value = DnsRecordValues.Normalize(dns.Type, FailoverSpecValidator.DnsValueOf(Node(run.Spec, run.Target)));
        var records = new DnsRecordSet(DnsRecordValues.Fqdn(dns.Name), dns.Type, dns.Ttl, [value]);
        var provider = DnsProviders.Create(dns);
        var change = await provider.SetAsync(records, cancellationToken);
        await provider.WaitLiveAsync(change, cancellationToken);
        var verifier = new NameserverVerifier(dns);
        var servers = await verifier.DiscoverAsync(cancellationToken);
        var took = await verifier.WaitAnsweredAsync(servers, records, cancellationToken);
        return string.Create(CultureInfo.InvariantCulture,
            $"{dns.Name} {dns.Type} {value} through {provider.Kind} (change {change}); answered by {string.Join(", ", servers)} after {took.TotalMilliseconds:0} ms");
    }
}
