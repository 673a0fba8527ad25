using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Peers;

namespace Vault.Grains.Failover;

/// <summary>
/// One protected service. A timer checks every node; when the primary fails its checks past the
/// threshold and a majority of the silos' observers agree, the controller picks a replica
/// (<see cref="FailoverDecision"/>) and drives the steps (<see cref="FailoverSteps"/>) through the
/// persisted state machine (<see cref="FailoverTransitions"/>): one step per timer turn, the new
/// phase persisted after each, so no caller waits for a failover and status answers throughout.
/// A reminder reactivates it after its silo dies.
/// </summary>
public sealed class FailoverControllerGrain(
    [PersistentState("failover", VaultStorage.State)] IPersistentState<FailoverControllerState> store,
    ReplicationEngines engines,
    FailoverSteps steps,
    FailoverMetrics metrics,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    ILogger<FailoverControllerGrain> logger) : Grain, IFailoverControllerGrain, IRemindable
{
    private readonly Dictionary<string, NodeObservation> _observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double?> _healthyLag = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;
    private IGrainTimer? _drive;
    private DateTimeOffset _retryAt;
    private RunningStep? _running;
    private volatile string? _note;
    private int _failures;
    private long? _primaryPosition;
    private string? _blocker;
    private string? _trafficPreflight;
    private DateTimeOffset _trafficCheckedAt;
    private readonly HashSet<(string Node, long Epoch)> _autoRejoined = [];

    private string Service => this.GetPrimaryKeyString();

    private FailoverControllerState S => store.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not null)
        {
            await StartAsync();
            if (S.Phase != FailoverPhase.Monitoring)
            {
                FailoverLog.Resuming(logger, Service, S.Epoch, S.Phase);
                Audit("decision", $"resuming epoch {S.Epoch} in {S.Phase} on silo {silo.Name}", "info", 0);
            }
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task ConfigureAsync(FailoverServiceSpec spec)
    {
        var errors = FailoverSpecValidator.Validate(Service, spec);
        if (errors.Count > 0)
        {
            throw new InvalidRequestException(string.Join(Environment.NewLine, errors));
        }

        var names = spec.Nodes.Select(FailoverSpecValidator.NameOf).ToHashSet(StringComparer.Ordinal);
        var first = S.Spec is null;
        S.Spec = spec;
        _trafficCheckedAt = default;
        if (S.Primary is null || !names.Contains(S.Primary))
        {
            S.Primary = FailoverSpecValidator.NameOf(spec.Primary);
        }

        Audit("operator", first ? $"configured; primary {S.Primary}" : $"configuration replaced; primary {S.Primary}", "ok", 0);
        await store.WriteStateAsync();
        await GrainFactory.GetGrain<IFailoverRegistryGrain>(IFailoverRegistryGrain.Key).AddAsync(Service);
        await StartAsync();
    }

    public Task<FailoverStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<IReadOnlyList<FailoverAuditEntry>> GetHistoryAsync(int limit) =>
        Task.FromResult<IReadOnlyList<FailoverAuditEntry>>(limit > 0 ? S.Audit.TakeLast(limit).ToList() : S.Audit.ToList());

    public async Task<FailoverStatus> FailoverAsync(FailoverCommand command)
    {
        var spec = RequireIdle();
        var primary = await engines.For(spec.Engine).ObserveAsync(steps.Endpoint(spec, S.Primary!), spec.CheckTimeout, default);
        if (primary.Reachable && primary.Role == NodeRole.Primary && !command.Force)
        {
            throw await RefuseAsync(command, $"the primary {S.Primary} answers as primary; use a switchover, or --force to fail over anyway");
        }

        var blocker = FailoverDecision.AutomaticBlocker(FailoverMode.Automatic, false, S.LastFailover, spec.BlockPeriod, DateTimeOffset.UtcNow);
        if (blocker is not null && !command.Force)
        {
            throw await RefuseAsync(command, blocker + "; use --force to override");
        }

        var choice = await ChooseAsync(spec, command.To, command.Force, _primaryPosition);
        if (choice.Node is null)
        {
            throw await RefuseAsync(command, "no replica can be promoted: " + choice.Explain());
        }

        Start(FailoverKind.Failover, choice.Node, $"operator {command.Operator}{(command.Force ? " (forced)" : "")}: {command.Reason ?? "no reason given"}");
        await store.WriteStateAsync();
        Kick(TimeSpan.Zero);
        return Status();
    }

    public async Task<FailoverStatus> SwitchoverAsync(FailoverCommand command)
    {
        var spec = RequireIdle();
        var engine = engines.For(spec.Engine);
        var primary = await engine.ObserveAsync(steps.Endpoint(spec, S.Primary!), spec.CheckTimeout, default);
        if (!primary.Reachable || primary.Role != NodeRole.Primary)
        {
            throw await RefuseAsync(command, $"the primary {S.Primary} is not a healthy primary ({primary.Error ?? primary.Role.ToString()}); a switchover needs it: use failover");
        }

        var choice = await ChooseAsync(spec, command.To, false, primary.Position);
        if (choice.Node is null)
        {
            throw await RefuseAsync(command, "no replica can take over: " + choice.Explain());
        }

        Start(FailoverKind.Switchover, choice.Node, $"operator {command.Operator}: {command.Reason ?? "planned switchover"}");
        await store.WriteStateAsync();
        Kick(TimeSpan.Zero);
        return Status();
    }

    public async Task<FailoverStatus> PauseAsync(string operatorName)
    {
        RequireSpec();
        S.Paused = true;
        Audit("operator", $"{operatorName} paused automatic failover", "ok", 0);
        await store.WriteStateAsync();
        return Status();
    }

    public async Task<FailoverStatus> ResumeAsync(string operatorName)
    {
        RequireSpec();
        S.Paused = false;
        Audit("operator", $"{operatorName} resumed" + (S.Halted ? $"; retrying {S.Phase}" : ""), "ok", 0);
        if (FailoverTransitions.Next(S.Phase, S.Halted, FailoverEvent.OperatorResumed) is { } t)
        {
            S.Halted = t.Halted;
            Apply(t);
        }

        await store.WriteStateAsync();
        return Status();
    }

    public async Task<FailoverStatus> RejoinAsync(RejoinCommand command)
    {
        var spec = RequireIdle();
        var names = spec.Nodes.Select(FailoverSpecValidator.NameOf).ToList();
        if (!names.Contains(command.Node, StringComparer.Ordinal))
        {
            throw new InvalidRequestException($"failover service '{Service}': node '{command.Node}' is not in the configuration (nodes: {string.Join(", ", names)})");
        }

        if (command.Node == S.Primary)
        {
            throw await RefuseAsync(command, $"{command.Node} is the primary; only another node can rejoin as its replica");
        }

        if (spec.Engine == FailoverEngine.PostgreSql && string.IsNullOrWhiteSpace(FailoverSteps.Node(spec, command.Node).DataDirectory))
        {
            throw await RefuseAsync(command, $"{command.Node} has no DataDirectory: pg_rewind needs the node's data directory (Replicas:N:DataDirectory)");
        }

        StartRejoin(command.Node, $"operator {command.Operator}: {command.Reason ?? "rejoin as a replica"}");
        await store.WriteStateAsync();
        Kick(TimeSpan.Zero);
        return Status();
    }

    private void StartRejoin(string node, string reason)
    {
        var t = FailoverTransitions.Next(S.Phase, S.Halted, FailoverEvent.RejoinRequested)
            ?? throw new FailoverRefusedException($"failover service '{Service}': a rejoin cannot start in {S.Phase}");
        S.Kind = FailoverKind.Rejoin;
        S.Target = node;
        S.OldPrimary = S.Primary;
        S.Degraded = false;
        S.LastError = null;
        S.StartedAt = DateTimeOffset.UtcNow;
        S.Phase = t.To;
        S.Halted = t.Halted;
        Apply(t);
        _blocker = null;
        steps.Announce(Service, FailoverKind.Rejoin, S.Epoch, S.Primary, node, "failover.rejoin-started", $"rejoining {node} as a replica of {S.Primary}: {reason}");
        Audit("decision", $"rejoin of {node} as a replica of {S.Primary}: {reason}", "ok", 0);
    }

    /// <summary>AutoRejoin: a fenced old primary rejoins once the failover is done, when its machine can be reached (RemoteHost) or it answers again.</summary>
    private bool AutoRejoin(FailoverServiceSpec spec)
    {
        if (!spec.AutoRejoin || S.Paused || S.Phase != FailoverPhase.Monitoring)
        {
            return false;
        }

        foreach (var f in S.Fenced)
        {
            var node = FailoverSteps.Node(spec, f.Node);
            var reachable = _observed.TryGetValue(f.Node, out var o) && o.Reachable;
            var ready = spec.Engine == FailoverEngine.PostgreSql
                ? !string.IsNullOrWhiteSpace(node.DataDirectory) && (!string.IsNullOrWhiteSpace(node.RemoteHost) || reachable)
                : reachable;
            if (ready && _autoRejoined.Add((f.Node, f.Epoch)))
            {
                StartRejoin(f.Node, $"AutoRejoin after epoch {f.Epoch}");
                return true;
            }
        }

        return false;
    }

    private async Task StartAsync()
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, S.Spec!.CheckInterval) { KeepAlive = true });
        _drive ??= this.RegisterGrainTimer(_ => StepAsync(), new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        await this.RegisterOrUpdateReminder("keep-alive", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>Runs the next step in a turn of its own after <paramref name="delay"/> (the check timer also runs one when it is due).</summary>
    private void Kick(TimeSpan delay) => _drive?.Change(delay, Timeout.InfiniteTimeSpan);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (S.Spec is not { } spec)
        {
            return;
        }

        if (S.Phase != FailoverPhase.Monitoring)
        {
            await StepAsync();
            return;
        }

        var engine = engines.For(spec.Engine);
        var nodes = spec.Nodes.Select(FailoverSpecValidator.NameOf).ToList();
        var seen = await Task.WhenAll(nodes.Select(n => ObserveAsync(engine, spec, n, cancellationToken)));
        foreach (var o in seen)
        {
            _observed[o.Node] = o;
        }

        var primary = _observed[S.Primary!];
        var healthy = primary.Reachable && primary.Role == NodeRole.Primary;
        var before = FailoverDecision.Assess(_failures, spec.FailureThreshold);
        if (healthy)
        {
            _failures = 0;
            S.FirstFailureAt = null;
            _primaryPosition = primary.Position;
            foreach (var r in seen.Where(o => o.Node != S.Primary && o.Reachable))
            {
                // A replica at the primary's position is 0 s behind, whatever its engine's idle clock says.
                _healthyLag[r.Node] = r.Position is { } q && q >= primary.Position ? 0 : r.LagSeconds;
            }
        }
        else
        {
            _failures++;
            S.FirstFailureAt ??= primary.At;
        }

        foreach (var r in seen.Where(o => o.Node != S.Primary))
        {
            var lag = _primaryPosition is { } p && r.Position is { } q ? Math.Max(0, p - q) : (long?)null;
            _observed[r.Node] = r with { LagBytes = lag };
            metrics.Lag(Service, r.Node, lag);
        }

        metrics.State(Service, S.Phase, S.Epoch);
        await PreflightTrafficAsync(spec, cancellationToken);
        await WatchFencedAsync(spec);
        if (AutoRejoin(spec))
        {
            await store.WriteStateAsync();
            return;
        }

        var health = FailoverDecision.Assess(_failures, spec.FailureThreshold);
        if (health != before)
        {
            FailoverLog.PrimaryHealth(logger, Service, S.Primary!, health, _failures, primary.Error);
            Audit("observation", $"primary {S.Primary} {health.ToString().ToLowerInvariant()} after {_failures} failed check(s){(healthy ? "" : ": " + (primary.Error ?? $"answers as {primary.Role}"))}", "info", 0);
            await store.WriteStateAsync();
        }

        if (health != PrimaryHealth.Down)
        {
            await SetBlockerAsync(null);
            return;
        }

        var blocker = FailoverDecision.AutomaticBlocker(spec.Mode, S.Paused, S.LastFailover, spec.BlockPeriod, DateTimeOffset.UtcNow);
        if (blocker is null)
        {
            var votes = await AskObserversAsync(spec);
            var down = votes.Count(v => !v.Reachable);
            var count = ObserverNames().Count;
            if (!FailoverDecision.IsConfirmed(down, count))
            {
                blocker = $"primary {S.Primary} failed {_failures} checks here, but only {down} of {count} observers cannot reach it: " +
                    string.Join(", ", votes.Select(v => $"{v.Observer} {(v.Reachable ? "reaches it" : "cannot: " + v.Error)}"));
            }
            else
            {
                var choice = await ChooseAsync(spec, null, false, _primaryPosition);
                if (choice.Node is null)
                {
                    blocker = "no replica can be promoted: " + choice.Explain();
                }
                else
                {
                    Start(FailoverKind.Failover, choice.Node, string.Create(CultureInfo.InvariantCulture,
                        $"primary {S.Primary} failed {_failures} checks ({primary.Error}); {down} of {count} observers agree; {choice.Node} loses {choice.DataLossBytes} bytes"));
                    await store.WriteStateAsync();
                    Kick(TimeSpan.Zero);
                    return;
                }
            }
        }

        await SetBlockerAsync(blocker);
    }

    private async Task<NodeObservation> ObserveAsync(IReplicationEngine engine, FailoverServiceSpec spec, string node, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.ObserveAsync(steps.Endpoint(spec, node), spec.CheckTimeout, cancellationToken);
        }
        catch (FailoverStepException e)
        {
            return new NodeObservation(node, false, NodeRole.Unknown, null, null, null, false, e.Message, DateTimeOffset.UtcNow);
        }
    }

    private async Task<List<ProbeResult>> AskObserversAsync(FailoverServiceSpec spec)
    {
        var n = FailoverSteps.Node(spec, S.Primary!);
        var request = new ProbeRequest(spec.Engine, n.Host, n.Port, n.User ?? spec.User, n.Password ?? spec.Password, spec.CheckTimeout);
        var calls = ObserverNames().Select(async observer =>
        {
            try
            {
                return await GrainFactory.GetGrain<IPeerGrain>(observer).ProbeAsync(request).WaitAsync(spec.CheckTimeout * 2 + TimeSpan.FromSeconds(1));
            }
            catch (Exception e)
            {
                // An observer that cannot answer casts no vote: it never counts as "down".
                return new ProbeResult(observer, true, "no vote: " + e.Message, 0);
            }
        });
        var votes = (await Task.WhenAll(calls)).ToList();
        return votes;
    }

    private List<string> ObserverNames() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order(StringComparer.Ordinal).ToList();

    private async Task<CandidateChoice> ChooseAsync(FailoverServiceSpec spec, string? requested, bool force, long? primaryPosition)
    {
        var engine = engines.For(spec.Engine);
        var replicas = spec.Nodes.Select(FailoverSpecValidator.NameOf).Where(n => n != S.Primary).ToList();
        var fresh = await Task.WhenAll(replicas.Select(r => ObserveAsync(engine, spec, r, default)));
        var facts = fresh.Select(o => new ReplicaFacts(o.Node, FailoverSteps.Node(spec, o.Node).Priority, o.Reachable, o.Role, o.Position,
            _healthyLag.TryGetValue(o.Node, out var lag) ? lag : null)).ToList();
        return FailoverDecision.ChooseCandidate(facts, primaryPosition, spec.MaxLagBytes, spec.MaxLagTime, requested, force);
    }

    private void Start(FailoverKind kind, string target, string reason)
    {
        var t = FailoverTransitions.Next(S.Phase, S.Halted, kind == FailoverKind.Switchover ? FailoverEvent.SwitchoverRequested : FailoverEvent.FailoverConfirmed)
            ?? throw new FailoverRefusedException($"failover service '{Service}': a failover cannot start in {S.Phase}");
        S.Kind = kind;
        S.Target = target;
        S.OldPrimary = S.Primary;
        S.Degraded = false;
        S.LastError = null;
        S.StartedAt = DateTimeOffset.UtcNow;
        S.Phase = t.To;
        S.Halted = t.Halted;
        Apply(t);
        _blocker = null;
        FailoverLog.Started(logger, Service, S.Epoch, kind, S.Primary, target, reason);
        steps.Announce(Service, kind, S.Epoch, S.Primary, target, "failover.started", $"{kind.ToString().ToLowerInvariant()} from {S.Primary} to {target}: {reason}");
        Audit("decision", $"{kind.ToString().ToLowerInvariant()} from {S.Primary} to {target}: {reason}", "ok", 0);
    }

    /// <summary>The effects of a transition that change state only; the caller persists.</summary>
    private void Apply(FailoverTransition t)
    {
        if (t.Has(FailoverEffects.NewEpoch))
        {
            S.Epoch++;
        }

        if (t.Has(FailoverEffects.ResetAttempts))
        {
            S.Attempts = 0;
            _retryAt = DateTimeOffset.MinValue;
        }

        if (t.Has(FailoverEffects.RetryAfterBackoff))
        {
            _retryAt = DateTimeOffset.UtcNow + Backoff(S.Attempts);
        }

        if (t.Has(FailoverEffects.MarkDegraded))
        {
            S.Degraded = true;
        }

        if (t.Has(FailoverEffects.RunStep))
        {
            Kick(t.Has(FailoverEffects.RetryAfterBackoff) ? Backoff(S.Attempts) : TimeSpan.Zero);
        }
    }

    private static TimeSpan Backoff(int attempts) => TimeSpan.FromMilliseconds(200 * Math.Max(1, attempts));

    /// <summary>How long one step may run: 60 s, or the catch-up's own limit plus a margin when that is longer.</summary>
    private static TimeSpan StepDeadline(FailoverPhase phase, FailoverServiceSpec spec) =>
        FailoverTransitions.IsRejoin(phase)
            ? (phase == FailoverPhase.RejoinVerifying ? spec.Rejoin.VerifyTimeout : spec.Rejoin.CommandTimeout * 3) + TimeSpan.FromSeconds(10)
        : phase == FailoverPhase.CatchingUp && spec.SwitchoverCatchUpTimeout + TimeSpan.FromSeconds(10) > TimeSpan.FromSeconds(60)
            ? spec.SwitchoverCatchUpTimeout + TimeSpan.FromSeconds(10)
            : TimeSpan.FromSeconds(60);

    /// <summary>
    /// One step of the running failover, in this turn: run the phase's action once, feed its outcome
    /// to the state machine, apply the effects and persist. Does nothing at rest, halted, or before
    /// a failed step's back-off has passed.
    /// </summary>
    private async Task StepAsync()
    {
        if (S.Phase == FailoverPhase.Monitoring || S.Halted || S.Spec is not { } spec || _running is not null)
        {
            return;
        }

        if (DateTimeOffset.UtcNow < _retryAt)
        {
            Kick(_retryAt - DateTimeOffset.UtcNow);
            return;
        }

        var phase = S.Phase;
        var run = new FailoverRun(Service, spec, S.Kind ?? FailoverKind.Failover, S.Epoch, S.OldPrimary ?? S.Primary!, S.Target!);
        var limit = StepDeadline(phase, spec);
        var clock = Stopwatch.StartNew();
        FailoverEvent e;
        string message;
        _note = null;
        _running = new RunningStep(phase, S.Attempts + 1, DateTimeOffset.UtcNow);
        var progress = new StepReport(note => _note = note);
        using (var deadline = new CancellationTokenSource(limit))
        {
            try
            {
                message = await steps.RunAsync(phase, run, progress, deadline.Token);
                e = FailoverEvent.StepSucceeded;
            }
            catch (Exception ex) when (ex is FailoverStepException or OperationCanceledException or TimeoutException)
            {
                message = ex is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"{phase} did not finish within {limit.TotalSeconds:0} s") : ex.Message;
                S.Attempts++;
                S.LastError = $"{phase}: {message}";
                e = S.Attempts >= spec.StepAttempts ? FailoverEvent.AttemptsExhausted : FailoverEvent.StepFailed;
            }
            finally
            {
                _running = null;
            }
        }

        var result = e == FailoverEvent.StepSucceeded ? "ok" : "failed";
        FailoverLog.Step(logger, Service, S.Epoch, phase, result, clock.Elapsed.TotalMilliseconds, message);
        Audit("action", $"{phase}: {message}" + (e == FailoverEvent.StepFailed ? string.Create(CultureInfo.InvariantCulture, $" (attempt {S.Attempts} of {spec.StepAttempts})") : ""),
            result, clock.Elapsed.TotalMilliseconds, phase);
        var t = FailoverTransitions.Next(phase, false, e)!.Value;
        if (t.Has(FailoverEffects.SwitchPrimary))
        {
            S.Fenced.RemoveAll(f => f.Node == run.Target || f.Node == run.OldPrimary);
            if (run.Kind == FailoverKind.Failover)
            {
                S.Fenced.Add(new FencedNode(run.OldPrimary, S.Epoch, DateTimeOffset.UtcNow, false, null));
            }

            S.Primary = S.Target;
            _failures = 0;
            _primaryPosition = null;
            _healthyLag.Clear();
        }

        S.Phase = t.To;
        S.Halted = t.Halted;
        Apply(t);
        if (t.Has(FailoverEffects.NotifyHalted))
        {
            await HaltAsync(run);
        }

        if (t.Has(FailoverEffects.Complete))
        {
            Complete();
        }

        metrics.State(Service, S.Phase, S.Epoch);
        await store.WriteStateAsync();
    }

    private sealed record RunningStep(FailoverPhase Phase, int Attempt, DateTimeOffset Since);

    /// <summary>Reports from a running step, shown by status; synchronous, unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
    private sealed class StepReport(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    private async Task HaltAsync(FailoverRun run)
    {
        FailoverLog.Halted(logger, Service, S.Epoch, S.Phase, S.LastError);
        Audit("decision", $"halted in {S.Phase} after {S.Attempts} attempts; fix the cause, then resume: {S.LastError}", "failed", 0);
        metrics.Failover(Service, "halted");
        await TryNotifyAsync(run, "failover.halted", $"failover halted in {S.Phase}: {S.LastError}");
    }

    private void Complete()
    {
        if (S.Kind == FailoverKind.Rejoin)
        {
            var took = DateTimeOffset.UtcNow - (S.StartedAt ?? DateTimeOffset.UtcNow);
            S.Fenced.RemoveAll(f => f.Node == S.Target);
            Audit("decision", string.Create(CultureInfo.InvariantCulture,
                $"rejoin completed: {S.Target} is a replica of {S.Primary}; no longer fenced; {took.TotalSeconds:0.000} s"), "ok", took.TotalMilliseconds);
            metrics.Failover(Service, "rejoined");
            steps.Announce(Service, FailoverKind.Rejoin, S.Epoch, S.Primary, S.Target!, "failover.rejoined", $"{S.Target} rejoined as a replica of {S.Primary}");
            return;
        }

        var total = DateTimeOffset.UtcNow - (S.FirstFailureAt ?? S.StartedAt ?? DateTimeOffset.UtcNow);
        var result = S.Degraded ? "degraded" : "completed";
        S.LastFailover = DateTimeOffset.UtcNow;
        Audit("decision", string.Create(CultureInfo.InvariantCulture,
            $"{S.Kind?.ToString().ToLowerInvariant()} {result}: {S.Primary} is primary; {total.TotalSeconds:0.000} s since the first failed check or the request"),
            S.Degraded ? "failed" : "ok", total.TotalMilliseconds);
        metrics.Failover(Service, result);
        S.FirstFailureAt = null;
    }

    /// <summary>Every 30 s while monitoring: can the load balancer be driven? Shown by status; a change is audited.</summary>
    private async Task PreflightTrafficAsync(FailoverServiceSpec spec, CancellationToken cancellationToken)
    {
        if (DateTimeOffset.UtcNow - _trafficCheckedAt < TimeSpan.FromSeconds(30))
        {
            return;
        }

        _trafficCheckedAt = DateTimeOffset.UtcNow;
        var result = await steps.PreflightAsync(spec, cancellationToken);
        var wasOk = _trafficPreflight?.StartsWith("ok", StringComparison.Ordinal);
        _trafficPreflight = result;
        if (result is not null && wasOk != result.StartsWith("ok", StringComparison.Ordinal))
        {
            Audit("observation", "traffic pre-flight: " + result, result.StartsWith("ok", StringComparison.Ordinal) ? "info" : "failed", 0);
        }
    }

    private async Task WatchFencedAsync(FailoverServiceSpec spec)
    {
        for (var i = 0; i < S.Fenced.Count; i++)
        {
            var f = S.Fenced[i];
            if (f.Returned || !_observed.TryGetValue(f.Node, out var o) || !o.Reachable)
            {
                continue;
            }

            var note = $"old primary {f.Node} is reachable again as {o.Role}; kept out of traffic (load balancer: disabled); rejoin it as a replica: vault failover rejoin SERVICE NODE";
            if (steps.Traffic(spec) is { } traffic)
            {
                try
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await traffic.DisableAsync(FailoverSteps.Node(spec, f.Node), deadline.Token);
                }
                catch (Exception e) when (e is FailoverStepException or OperationCanceledException)
                {
                    note += $"; re-fencing failed: {e.Message}";
                }
            }

            S.Fenced[i] = f with { Returned = true, Note = note };
            Audit("observation", note, "info", 0);
            await store.WriteStateAsync();
            await TryNotifyAsync(new FailoverRun(Service, spec, FailoverKind.Failover, S.Epoch, f.Node, S.Primary!), "failover.old-primary-returned", note);
        }
    }

    private async Task SetBlockerAsync(string? blocker)
    {
        if (blocker == _blocker)
        {
            return;
        }

        _blocker = blocker;
        Audit("decision", blocker is null ? "no longer blocked" : "not failing over: " + blocker, blocker is null ? "info" : "refused", 0);
        await store.WriteStateAsync();
        if (blocker is not null && S.Spec is { } spec && spec.Mode != FailoverMode.Paused)
        {
            FailoverLog.Blocked(logger, Service, blocker);
            await TryNotifyAsync(new FailoverRun(Service, spec, FailoverKind.Failover, S.Epoch, S.Primary!, S.Primary!), "failover.blocked", blocker);
        }
    }

    private async Task TryNotifyAsync(FailoverRun run, string eventName, string message)
    {
        if (run.Spec.Webhooks.Count == 0)
        {
            return;
        }

        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await steps.NotifyAsync(run, eventName, message, deadline.Token);
            Audit("action", $"notify {eventName}: {result}", "ok", 0);
        }
        catch (Exception e) when (e is FailoverStepException or OperationCanceledException)
        {
            Audit("action", $"notify {eventName}: {e.Message}", "failed", 0);
        }
    }

    private void Audit(string kind, string message, string result, double durationMs, FailoverPhase? phase = null) =>
        S.Add(new FailoverAuditEntry(DateTimeOffset.UtcNow, S.Epoch, kind, phase ?? S.Phase, message, result, durationMs));

    private FailoverServiceSpec RequireSpec() =>
        S.Spec ?? throw new FailoverServiceNotFoundException($"failover service '{Service}' is not configured");

    private FailoverServiceSpec RequireIdle()
    {
        var spec = RequireSpec();
        return S.Phase == FailoverPhase.Monitoring
            ? spec
            : throw new FailoverRefusedException($"failover service '{Service}': epoch {S.Epoch} is {(S.Halted ? "halted" : "running")} in {S.Phase}{(S.Halted ? "; resume it first" : "")}");
    }

    private async Task<FailoverRefusedException> RefuseAsync(FailoverCommand command, string why)
    {
        Audit("operator", $"{command.Operator} asked for a failover{(command.To is null ? "" : " to " + command.To)}: refused: {why}", "refused", 0);
        await store.WriteStateAsync();
        return new FailoverRefusedException($"failover service '{Service}': {why}");
    }

    private async Task<FailoverRefusedException> RefuseAsync(RejoinCommand command, string why)
    {
        Audit("operator", $"{command.Operator} asked to rejoin {command.Node}: refused: {why}", "refused", 0);
        await store.WriteStateAsync();
        return new FailoverRefusedException($"failover service '{Service}': {why}");
    }

    private FailoverStatus Status()
    {
        var spec = S.Spec;
        return new FailoverStatus(Service, spec?.Engine ?? FailoverEngine.PostgreSql, spec is not null, spec?.Mode ?? FailoverMode.Automatic, S.Paused,
            S.Phase, S.Phase == FailoverPhase.Monitoring ? null : S.Kind, S.Halted, S.Epoch, S.Primary ?? "", S.Phase == FailoverPhase.Monitoring ? null : S.Target,
            _failures, _observed.Values.OrderBy(o => o.Node, StringComparer.Ordinal).ToList(), S.Fenced.ToList(),
            S.Halted ? $"halted in {S.Phase}: {S.LastError}" : _blocker, S.LastError, S.LastFailover, silo.Name, DescribeRunning(), _trafficPreflight);
    }

    private string? DescribeRunning()
    {
        if (_running is not { } r)
        {
            return S.Phase == FailoverPhase.Monitoring || S.Halted ? null : $"{S.Phase} is next";
        }

        var took = (DateTimeOffset.UtcNow - r.Since).TotalSeconds;
        var note = _note;
        return string.Create(CultureInfo.InvariantCulture, $"{r.Phase} running for {took:0.0} s (attempt {r.Attempt}){(note is null ? "" : ": " + note)}");
    }
}
