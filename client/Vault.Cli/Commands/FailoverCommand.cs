using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault failover status|history|switchover|failover|pause|resume|rejoin</c></summary>
public static class FailoverCommand
{
    /// <summary>
    /// The name of the operator failover subcommand. System.CommandLine cannot hold a subcommand named like its
    /// parent, so `vault failover failover` is rewritten to it before parsing (<see cref="RewriteArguments"/>).
    /// </summary>
    public const string PromoteName = "promote";

    /// <summary>`failover failover ...` → `failover promote ...`; everything else unchanged.</summary>
    public static IReadOnlyList<string> RewriteArguments(IReadOnlyList<string> args)
    {
        var list = args.ToList();
        var i = list.IndexOf("failover");
        if (i >= 0 && i + 1 < list.Count && list[i + 1] == "failover")
        {
            list[i + 1] = PromoteName;
        }

        return list;
    }

    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("failover", "Failover controllers of the protected databases (PostgreSQL, MariaDB/MySQL, Redis)");
        command.Subcommands.Add(Status(globals));
        command.Subcommands.Add(History(globals));
        command.Subcommands.Add(Switchover(globals));
        command.Subcommands.Add(Failover(globals));
        command.Subcommands.Add(Simple(globals, "pause", "Stop automatic failover of SERVICE (monitoring continues)", (c, s, ct) => c.PauseFailoverAsync(s, OperatorName(), ct)));
        command.Subcommands.Add(Simple(globals, "resume", "Resume automatic failover of SERVICE, and retry a halted step", (c, s, ct) => c.ResumeFailoverAsync(s, OperatorName(), ct)));
        command.Subcommands.Add(Rejoin(globals));
        return command;
    }

    private static Argument<string> ServiceArgument(bool optional = false) => new("SERVICE")
    {
        Description = optional ? "The protected service (default: all)" : "The protected service",
        Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
    };

    private static Command Status(GlobalOptions globals)
    {
        var service = ServiceArgument(optional: true);
        var command = new Command("status", "Show the primary, the replicas' lag, the phase and anything blocking a failover") { service };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var statuses = await context.Client.GetFailoverStatusAsync(parse.GetValue(service) ?? "", ct);
            await context.Out.WriteAsync(context.Json
                ? Json.Serialize(statuses.Select(ToJson).ToArray()) + "\n"
                : statuses.Count == 0 ? "no failover services configured\n" : string.Concat(statuses.Select(Text)));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command History(GlobalOptions globals)
    {
        var service = ServiceArgument();
        var limit = new Option<int>("--limit", "-n") { Description = "Newest entries to show (0 = all kept)", DefaultValueFactory = _ => 50 };
        var command = new Command("history", "Show the audit trail: observations that changed a decision, decisions, actions with their epoch") { service, limit };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var entries = await context.Client.GetFailoverHistoryAsync(parse.GetValue(service)!, parse.GetValue(limit), ct);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(entries.Select(e => new
                {
                    time = e.Time?.ToDateTimeOffset(),
                    epoch = e.Epoch,
                    kind = e.Kind,
                    phase = e.Phase,
                    result = e.Result,
                    durationMs = e.DurationMs,
                    message = e.Message,
                }).ToArray()));
                return ExitCodes.Ok;
            }

            foreach (var e in entries)
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{e.Time?.ToDateTimeOffset().ToOffset(TimeSpan.Zero):yyyy-MM-dd HH:mm:ss.fff}  epoch {e.Epoch,-3} {e.Kind,-11} {e.Phase,-16} {e.Result,-7} {e.Message}"));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Switchover(GlobalOptions globals)
    {
        var service = ServiceArgument();
        var to = new Option<string>("--to") { Description = "The replica to promote (default: the best eligible one)", HelpName = "REPLICA" };
        var reason = new Option<string>("--reason") { Description = "Recorded in the audit trail" };
        var command = new Command("switchover", "Planned switchover: wait for zero lag, then move the primary and its traffic") { service, to, reason };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var status = await context.Client.SwitchoverAsync(new SwitchoverRequest
            {
                Service = parse.GetValue(service)!,
                To = parse.GetValue(to) ?? "",
                Reason = parse.GetValue(reason) ?? "",
                Operator = OperatorName(),
            }, ct);
            return await ReportAsync(context, status);
        }));
        return command;
    }

    private static Command Failover(GlobalOptions globals)
    {
        var service = ServiceArgument();
        var to = new Option<string>("--to") { Description = "The replica to promote (default: the best eligible one)", HelpName = "REPLICA" };
        var force = new Option<bool>("--force") { Description = "Promote even if the primary answers, the replica is beyond the lag limit, or the block period runs (audited)" };
        var reason = new Option<string>("--reason") { Description = "Recorded in the audit trail" };
        var command = new Command(PromoteName, "Fail over now: fence the primary, promote a replica, move traffic and DNS ('vault failover failover' is the same)") { service, to, force, reason };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var status = await context.Client.FailoverAsync(new FailoverRequest
            {
                Service = parse.GetValue(service)!,
                To = parse.GetValue(to) ?? "",
                Force = parse.GetValue(force),
                Reason = parse.GetValue(reason) ?? "",
                Operator = OperatorName(),
            }, ct);
            return await ReportAsync(context, status);
        }));
        return command;
    }

    private static Command Simple(GlobalOptions globals, string name, string description, Func<Client.VaultClient, string, CancellationToken, Task<FailoverStatus>> call)
    {
        var service = ServiceArgument();
        var command = new Command(name, description) { service };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context => await ReportAsync(context, await call(context.Client, parse.GetValue(service)!, ct))));
        return command;
    }

    /// <summary>Prints the status after an action; a halted failover exits 1.</summary>
    private static async Task<int> ReportAsync(CommandContext context, FailoverStatus status)
    {
        await context.Out.WriteAsync(context.Json ? Json.Serialize(ToJson(status)) + "\n" : Text(status));
        if (status.Halted)
        {
            await context.Error.WriteLineAsync($"vault: error: the failover of {status.Service} halted in {status.Phase}: {status.LastError}");
            return ExitCodes.Error;
        }

        return ExitCodes.Ok;
    }

    private static Command Rejoin(GlobalOptions globals)
    {
        var service = ServiceArgument();
        var node = new Argument<string>("NODE") { Description = "The node to turn into a replica of the current primary (an old primary)" };
        var reason = new Option<string>("--reason") { Description = "Recorded in the audit trail" };
        var command = new Command("rejoin", "Rejoin NODE as a replica: PostgreSQL stop, pg_rewind, standby start; MariaDB CHANGE MASTER; Redis REPLICAOF") { service, node, reason };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context => await ReportAsync(context,
            await context.Client.RejoinFailoverNodeAsync(parse.GetValue(service)!, parse.GetValue(node)!, parse.GetValue(reason) ?? "", OperatorName(), ct))));
        return command;
    }

    private static string OperatorName() => Environment.UserName;

    public static string Text(FailoverStatus s)
    {
        var state = s.Halted ? $"HALTED in {s.Phase}" : s.Phase == "monitoring" ? "monitoring" : $"{s.Kind} in {s.Phase} to {s.Target}";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{s.Service} ({s.Engine}): primary {s.Primary}, {state}, epoch {s.Epoch}, mode {s.Mode}{(s.Paused ? " (paused)" : "")}, controller on {s.Silo}\n");
        if (s.LastFailover is { } last)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  last failover: {last.ToDateTimeOffset():yyyy-MM-dd HH:mm:ss} UTC\n");
        }

        if (s.Blocker.Length > 0)
        {
            text += $"  blocked: {s.Blocker}\n";
        }

        if (s.Progress.Length > 0)
        {
            text += $"  progress: {s.Progress}\n";
        }

        if (s.Traffic.Length > 0)
        {
            text += $"  traffic: {s.Traffic}\n";
        }

        if (s.LastError.Length > 0 && !s.Blocker.Contains(s.LastError, StringComparison.Ordinal))
        {
            text += $"  last error: {s.LastError}\n";
        }

        var rows = s.Nodes.Select(n => (IReadOnlyList<string>)
        [
            "  " + n.Node,
            n.Reachable ? n.Role : "DOWN",
            n.HasLagBytes ? Formatting.Bytes(n.LagBytes) : "-",
            n.HasLagSeconds ? n.LagSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s" : "-",
            n.Role == "replica" ? (n.LinkUp ? "up" : "down") : "",
            n.Error,
        ]);
        text += Formatting.Table(["  NODE", "ROLE", "LAG", "LAG TIME", "LINK", "ERROR"], rows, new HashSet<int> { 2, 3 });
        foreach (var f in s.Fenced)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  fenced: {f.Node} since epoch {f.Epoch}{(f.Returned ? ": " + f.Note : "")}\n");
        }

        return text;
    }

    private static object ToJson(FailoverStatus s) => new
    {
        service = s.Service,
        engine = s.Engine,
        mode = s.Mode,
        paused = s.Paused,
        phase = s.Phase,
        kind = s.Kind.Length == 0 ? null : s.Kind,
        halted = s.Halted,
        epoch = s.Epoch,
        primary = s.Primary,
        target = s.Target.Length == 0 ? null : s.Target,
        consecutiveFailures = s.ConsecutiveFailures,
        blocker = s.Blocker.Length == 0 ? null : s.Blocker,
        lastError = s.LastError.Length == 0 ? null : s.LastError,
        lastFailover = s.LastFailover?.ToDateTimeOffset(),
        silo = s.Silo,
        progress = s.Progress.Length == 0 ? null : s.Progress,
        traffic = s.Traffic.Length == 0 ? null : s.Traffic,
        nodes = s.Nodes.Select(n => new
        {
            node = n.Node,
            reachable = n.Reachable,
            role = n.Role,
            position = n.HasPosition ? n.Position : (long?)null,
            lagBytes = n.HasLagBytes ? n.LagBytes : (long?)null,
            lagSeconds = n.HasLagSeconds ? n.LagSeconds : (double?)null,
            linkUp = n.LinkUp,
            error = n.Error.Length == 0 ? null : n.Error,
        }).ToArray(),
        fenced = s.Fenced.Select(f => new { node = f.Node, epoch = f.Epoch, returned = f.Returned, note = f.Note.Length == 0 ? null : f.Note }).ToArray(),
    };
}
