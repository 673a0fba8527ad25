using System.CommandLine;
using System.Text;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary>
/// <c>vault forget [SNAPSHOT...] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]
/// [--keep-yearly N] [--keep-within D] [--keep-tag T]... [--group-by G] [--node N] [--tag T] [--path P] [--dry-run]</c>
/// </summary>
public static class ForgetCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var snapshots = new Argument<string[]>("SNAPSHOT")
        {
            Description = "Snapshots to forget whatever the policy says: id, unique id prefix, or \"latest\" (of the filtered ones)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var last = Count("--keep-last", "the N newest snapshots");
        var hourly = Count("--keep-hourly", "the newest snapshot of each of the last N hours that have snapshots");
        var daily = Count("--keep-daily", "the newest snapshot of each of the last N days that have snapshots");
        var weekly = Count("--keep-weekly", "the newest snapshot of each of the last N ISO weeks (Monday to Sunday) that have snapshots");
        var monthly = Count("--keep-monthly", "the newest snapshot of each of the last N months that have snapshots");
        var yearly = Count("--keep-yearly", "the newest snapshot of each of the last N years that have snapshots");
        var within = new Option<string?>("--keep-within")
        {
            Description = "Keep snapshots younger than this, counted back from the newest of the group: 7d, 12h, 2w, 1y6m (y = 365 days, m = 30 days)",
            HelpName = "DURATION",
        };
        var keepTags = new Option<string[]>("--keep-tag") { Description = "Keep snapshots carrying this tag (repeatable: any of them)", HelpName = "TAG" };
        var groupBy = new Option<string?>("--group-by")
        {
            Description = "What makes one history the policy applies to: node, paths and/or tags separated by commas, or none (default: node,paths)",
            HelpName = "GROUPING",
        };
        var node = new Option<string?>("--node", "-n") { Description = "Apply the policy only to snapshots of this node", HelpName = "NODE" };
        var tag = new Option<string?>("--tag", "-t") { Description = "Apply the policy only to snapshots with this tag", HelpName = "TAG" };
        var path = new Option<string?>("--path", "-p") { Description = "Apply the policy only to snapshots of this path", HelpName = "PATH" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be kept and removed; change nothing" };

        var command = new Command("forget", "Remove snapshots from the catalog by retention policy or by id, showing what is kept and why. " +
            "Time buckets are UTC. The data of forgotten snapshots is freed by garbage collection.")
        {
            snapshots, last, hourly, daily, weekly, monthly, yearly, within, keepTags, groupBy, node, tag, path, dryRun,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var request = new ForgetRequest
            {
                KeepLast = parse.GetValue(last),
                KeepHourly = parse.GetValue(hourly),
                KeepDaily = parse.GetValue(daily),
                KeepWeekly = parse.GetValue(weekly),
                KeepMonthly = parse.GetValue(monthly),
                KeepYearly = parse.GetValue(yearly),
                KeepWithin = parse.GetValue(within) ?? "",
                GroupBy = parse.GetValue(groupBy) ?? "",
                Node = parse.GetValue(node) ?? "",
                Tag = parse.GetValue(tag) ?? "",
                Path = parse.GetValue(path) ?? "",
                DryRun = parse.GetValue(dryRun),
            };
            request.Snapshots.AddRange(parse.GetValue(snapshots) ?? []);
            request.KeepTags.AddRange(parse.GetValue(keepTags) ?? []);
            if (request.Snapshots.Count == 0 && !HasRule(request))
            {
                throw new UsageException("forget needs a policy (--keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly, " +
                    "--keep-yearly, --keep-within or --keep-tag) or a SNAPSHOT; it never removes everything by default");
            }

            var response = await context.Client.ForgetAsync(request, cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(ToJson(response)));
            }
            else
            {
                await context.Out.WriteAsync(Text(response, context.Environment.TimeZone));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Per group a header and a table (newest first: keep or remove, and why), then the totals.</summary>
    public static string Text(ForgetResponse response, TimeZoneInfo zone)
    {
        var text = new StringBuilder();
        foreach (var group in response.Groups)
        {
            text.Append(Header(group, response.GroupBy)).Append('\n');
            var rows = group.Decisions.Select(d => (IReadOnlyList<string>)
            [
                d.Snapshot.ShortId.Length == 0 ? Formatting.ShortId(d.Snapshot.Id) : d.Snapshot.ShortId,
                Formatting.Time(d.Snapshot.Time, zone),
                d.Keep ? "keep" : "remove",
                string.Join(", ", d.Reasons),
            ]);
            text.Append(Formatting.Table(["ID", "TIME", "ACTION", "REASONS"], rows)).Append('\n');
        }

        text.Append(response.DryRun
            ? $"dry run: would keep {Snapshots(response.Kept)} and remove {Snapshots(response.Removed)}; nothing was changed\n"
            : $"kept {Snapshots(response.Kept)}, removed {Snapshots(response.Removed)}\n");
        return text.ToString();
    }

    private static string Header(ForgetGroup group, string groupBy)
    {
        var by = groupBy.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parts = new List<string>();
        if (by.Contains("node"))
        {
            parts.Add("node " + group.Node);
        }

        if (by.Contains("paths"))
        {
            parts.Add("paths " + (group.Paths.Count == 0 ? "(none)" : string.Join(" ", group.Paths)));
        }

        if (by.Contains("tags"))
        {
            parts.Add("tags " + (group.Tags.Count == 0 ? "(none)" : string.Join(",", group.Tags)));
        }

        return parts.Count == 0 ? "all snapshots:" : string.Join(", ", parts) + ":";
    }

    private static object ToJson(ForgetResponse response) => new
    {
        dryRun = response.DryRun,
        kept = response.Kept,
        removed = response.Removed,
        groupBy = response.GroupBy,
        groups = response.Groups.Select(g => new
        {
            node = g.Node,
            paths = g.Paths.ToArray(),
            tags = g.Tags.ToArray(),
            snapshots = g.Decisions.Select(d => new { snapshot = Json.Snapshot(d.Snapshot), keep = d.Keep, reasons = d.Reasons.ToArray() }).ToArray(),
        }).ToArray(),
    };

    private static bool HasRule(ForgetRequest r) =>
        r.KeepLast != 0 || r.KeepHourly != 0 || r.KeepDaily != 0 || r.KeepWeekly != 0 || r.KeepMonthly != 0 || r.KeepYearly != 0
        || r.KeepWithin.Length > 0 || r.KeepTags.Count > 0;

    private static Option<int> Count(string name, string what) => new(name)
    {
        Description = $"Keep {what} (-1: no limit)",
        HelpName = "N",
    };

    private static string Snapshots(int n) => n == 1 ? "1 snapshot" : $"{n} snapshots";
}
