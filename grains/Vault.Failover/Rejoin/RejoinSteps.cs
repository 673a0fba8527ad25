// The rejoin steps: turn a node (an old primary, fenced by a failover) into a replica of the current primary.
// Like the failover steps, each is idempotent and run once per controller turn: stopping a stopped database,
// rewinding a rewound one (pg_rewind: "no rewind required"), appending the same settings again (the last line
// wins), pointing a replica at the primary it already follows.
using System.Globalization;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Rejoin;

public sealed class RejoinSteps(ReplicationEngines engines, NodeShell shell)
{
    /// <param name="run">Target = the node that rejoins; OldPrimary = the current primary it will follow.</param>
    public async Task<string> RunAsync(FailoverPhase phase, FailoverRun run, Func<string, ServerEndpoint> endpoint, IProgress<string> progress, CancellationToken cancellationToken) => phase switch
    {
        FailoverPhase.RejoinStopping => await StopAsync(run, endpoint, progress, cancellationToken),
        FailoverPhase.RejoinRewinding => await RewindAsync(run, endpoint, progress, cancellationToken),
        FailoverPhase.RejoinStarting => await StartAsync(run, endpoint, progress, cancellationToken),
        FailoverPhase.RejoinVerifying => await VerifyAsync(run, endpoint, progress, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a rejoin step"),
    };

    /// <summary>The node's commands, from the service's templates; the primary as the node's machine reaches it (no observer routes).</summary>
    public static RejoinCommands Commands(FailoverRun run) =>
        new(run.Spec.Rejoin, FailoverSteps.Node(run.Spec, run.Target), run.Target, Secrets.EndpointOf(run.Spec, FailoverSteps.Node(run.Spec, run.OldPrimary)));

    private async Task<string> StopAsync(FailoverRun run, Func<string, ServerEndpoint> endpoint, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (run.Spec.Engine != FailoverEngine.PostgreSql)
        {
            return $"nothing to stop: {run.Target} keeps running and is repointed";
        }

        var commands = Commands(run);
        var engine = engines.For(run.Spec.Engine);
        var node = endpoint(run.Target);
        var seen = await engine.ObserveAsync(node, run.Spec.CheckTimeout, cancellationToken);
        if (seen is { Reachable: true, Role: NodeRole.Primary })
        {
            // Checked while it still answers: a node without them would be stopped for nothing.
            var postgres = (PostgresEngine)engine;
            var hints = await postgres.ShowAsync(node, "wal_log_hints", run.Spec.CheckTimeout * 3, cancellationToken);
            var checksums = await postgres.ShowAsync(node, "data_checksums", run.Spec.CheckTimeout * 3, cancellationToken);
            if (hints != "on" && checksums != "on")
            {
                throw new FailoverStepException($"cannot rejoin {node}: it has neither wal_log_hints = on nor data checksums, so pg_rewind cannot run; " +
                    "set wal_log_hints = on (restart) or rebuild the node with pg_basebackup");
            }
        }

        progress.Report($"stopping {run.Target}: {commands.Stop}");
        await shell.RunAsync(FailoverSteps.Node(run.Spec, run.Target), commands.Stop, run.Spec.Rejoin.CommandTimeout, cancellationToken);
        var after = await engine.ObserveAsync(node, run.Spec.CheckTimeout, cancellationToken);
        return after.Reachable
            ? throw new FailoverStepException($"'{commands.Stop}' exited 0, but {node} still answers as {after.Role}")
            : $"{run.Target} is stopped{(seen.Reachable ? $" (it answered as {seen.Role})" : " (it was not answering)")}";
    }

    private async Task<string> RewindAsync(FailoverRun run, Func<string, ServerEndpoint> endpoint, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (run.Spec.Engine != FailoverEngine.PostgreSql)
        {
            return $"not needed: {run.Spec.Engine} replicas follow a new primary without a rewind";
        }

        var commands = Commands(run);
        var node = FailoverSteps.Node(run.Spec, run.Target);
        var postgres = (PostgresEngine)engines.For(FailoverEngine.PostgreSql);
        var primary = endpoint(run.OldPrimary);
        if (await postgres.ShowAsync(primary, "full_page_writes", run.Spec.CheckTimeout * 3, cancellationToken) != "on")
        {
            throw new FailoverStepException($"cannot rewind {run.Target} from {primary}: full_page_writes is off on the primary; pg_rewind needs it on");
        }

        var control = await shell.RunAsync(node, commands.ControlData, run.Spec.Rejoin.CommandTimeout, cancellationToken);
        if (RejoinCommands.RewindBlocker(control) is { } blocker)
        {
            throw new FailoverStepException($"cannot rejoin {run.Target}: {blocker}");
        }

        progress.Report($"rewinding {run.Target} from {run.OldPrimary}: {commands.Rewind}");
        var output = await shell.RunAsync(node, commands.Rewind, run.Spec.Rejoin.CommandTimeout, cancellationToken);
        progress.Report($"writing standby.signal and primary_conninfo on {run.Target}");
        await shell.RunAsync(node, commands.Configure, run.Spec.Rejoin.CommandTimeout, cancellationToken);
        var said = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return $"pg_rewind of {run.Target} from {run.OldPrimary}{(said is null ? "" : ": " + said)}; standby.signal and primary_conninfo '{commands.PrimaryConnInfo}' written";
    }

    private async Task<string> StartAsync(FailoverRun run, Func<string, ServerEndpoint> endpoint, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var engine = engines.For(run.Spec.Engine);
        var node = endpoint(run.Target);
        var primary = endpoint(run.OldPrimary);
        switch (run.Spec.Engine)
        {
            case FailoverEngine.PostgreSql:
                var commands = Commands(run);
                var seen = await engine.ObserveAsync(node, run.Spec.CheckTimeout, cancellationToken);
                if (seen.Reachable)
                {
                    return seen.Role == NodeRole.Replica
                        ? $"{run.Target} already runs as a replica"
                        : throw new FailoverStepException($"{node} answers as {seen.Role} before it was started as a replica; stop it and resume");
                }

                progress.Report($"starting {run.Target}: {commands.Start}");
                await shell.RunAsync(FailoverSteps.Node(run.Spec, run.Target), commands.Start, run.Spec.Rejoin.CommandTimeout, cancellationToken);
                return $"{run.Target} started as a standby";
            case FailoverEngine.MySql:
                await Guard(node, () => ((MySqlEngine)engine).RejoinAsync(node, primary, run.Spec.CheckTimeout * 3, cancellationToken));
                return $"{run.Target}: read_only = ON; CHANGE MASTER TO {run.OldPrimary} ({primary.Host}:{primary.Port}), MASTER_USE_GTID = slave_pos; START SLAVE";
            default:
                await Guard(node, () => ((RedisEngine)engine).RejoinAsync(node, primary, run.Spec.CheckTimeout * 3, cancellationToken));
                return $"{run.Target}: REPLICAOF {primary.Host} {primary.Port}; CLIENT UNPAUSE";
        }
    }

    private async Task<string> VerifyAsync(FailoverRun run, Func<string, ServerEndpoint> endpoint, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var engine = engines.For(run.Spec.Engine);
        var node = endpoint(run.Target);
        var primary = endpoint(run.OldPrimary);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Spec.Rejoin.VerifyTimeout);
        var last = "";
        while (true)
        {
            var seen = await engine.ObserveAsync(node, run.Spec.CheckTimeout, cancellationToken);
            IReadOnlyList<string> streaming = [];
            if (seen is { Reachable: true, Role: NodeRole.Replica, LinkUp: true })
            {
                if (run.Spec.Engine != FailoverEngine.PostgreSql)
                {
                    return $"{run.Target} replicates from {run.OldPrimary} (link up)";
                }

                var postgres = (PostgresEngine)engine;
                streaming = await postgres.StreamingStandbysAsync(primary, run.Spec.CheckTimeout * 3, cancellationToken);
                if (streaming.Contains(run.Target, StringComparer.Ordinal))
                {
                    var message = $"{run.Target} streams from {run.OldPrimary} (pg_stat_replication: streaming; pg_is_in_recovery() on {run.Target})";
                    return run.Spec.SynchronousMode ? $"{message}; {await AddSynchronousAsync(run, postgres, primary, streaming, cancellationToken)}" : message;
                }
            }

            last = seen.Reachable
                ? $"{run.Target} answers as {seen.Role}, link {(seen.LinkUp ? "up" : "down")}{(run.Spec.Engine == FailoverEngine.PostgreSql && seen.LinkUp ? $"; {run.OldPrimary} lists [{string.Join(", ", streaming)}]" : "")}"
                : $"{run.Target} does not answer: {seen.Error}";
            progress.Report("waiting for replication: " + last);
            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Target} did not replicate from {run.OldPrimary} within {run.Spec.Rejoin.VerifyTimeout.TotalSeconds:0.#} s: {last}"));
            }
        }
    }

    /// <summary>Synchronous mode: the primary waits again for ANY 1 of its streaming replicas, the rejoined node among them.</summary>
    private static async Task<string> AddSynchronousAsync(FailoverRun run, PostgresEngine postgres, ServerEndpoint primary, IReadOnlyList<string> streaming, CancellationToken cancellationToken)
    {
        var names = run.Spec.Nodes.Select(FailoverSpecValidator.NameOf)
            .Where(n => n != run.OldPrimary && (n == run.Target || streaming.Contains(n, StringComparer.Ordinal)))
            .ToList();
        var value = SynchronousNames(names);
        var now = await postgres.SetSynchronousStandbysAsync(primary, value, run.Spec.CheckTimeout * 3, cancellationToken);
        return now == value
            ? $"synchronous_standby_names = '{value}'"
            : throw new FailoverStepException($"{primary} reports synchronous_standby_names '{now}' after setting '{value}'");
    }

    /// <summary>ANY 1 of the names, each double-quoted (as the failover's promotion step writes it).</summary>
    public static string SynchronousNames(IEnumerable<string> names) =>
        $"ANY 1 ({string.Join(", ", names.Select(n => "\"" + n.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""))})";

    private static async Task Guard(ServerEndpoint node, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not FailoverStepException && e is not OperationCanceledException)
        {
            throw new FailoverStepException($"repointing {node} failed: {PostgresEngine.Describe(e)}", e);
        }
    }
}
