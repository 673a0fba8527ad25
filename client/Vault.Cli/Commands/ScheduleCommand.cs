using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault schedule list | show NAME | set NAME --kind K ... | delete NAME | run NAME</c></summary>
public static class ScheduleCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("schedule", "Scheduled backups, forgets and GC runs: at an interval or cron time (UTC), retried with backoff");
        command.Subcommands.Add(List(globals));
        command.Subcommands.Add(Show(globals));
        command.Subcommands.Add(Set(globals));
        command.Subcommands.Add(Simple(globals, "delete", "Delete a schedule (a job it started keeps running)", (c, n, ct) => c.DeleteScheduleAsync(n, ct), "deleted"));
        command.Subcommands.Add(Simple(globals, "run", "Run a schedule now, with its retries; its next due time does not move", (c, n, ct) => c.RunScheduleNowAsync(n, ct), "started"));
        return command;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "The schedule's name" };

    private static Command List(GlobalOptions globals)
    {
        var command = new Command("list", "List the schedules with their next due time and last result");
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var schedules = await context.Client.ListSchedulesAsync(ct);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(schedules.Select(ToJson).ToArray()));
                return ExitCodes.Ok;
            }

            var zone = context.Environment.TimeZone;
            var rows = schedules.Select(s => (IReadOnlyList<string>)
            [
                s.Name,
                KindName(s.Spec.Kind),
                Timing(s.Spec),
                s.Spec.Disabled ? "disabled" : Formatting.Time(s.NextDue, zone),
                Formatting.Time(s.LastRun, zone),
                Result(s),
            ]);
            await context.Out.WriteAsync(schedules.Count == 0
                ? "no schedules\n"
                : Formatting.Table(["NAME", "KIND", "WHEN", "NEXT DUE", "LAST RUN", "RESULT"], rows));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(GlobalOptions globals)
    {
        var name = NameArgument();
        var command = new Command("show", "Show a schedule's definition and state") { name };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
            await WriteAsync(context, await context.Client.GetScheduleAsync(parse.GetValue(name)!, ct))));
        return command;
    }

    private static Command Set(GlobalOptions globals)
    {
        var name = NameArgument();
        var kind = new Option<string>("--kind") { Description = "backup, forget or gc", Required = true, HelpName = "KIND" };
        kind.AcceptOnlyFromAmong("backup", "forget", "gc");
        var node = new Option<string?>("--node", "-n") { Description = "Backup: the node whose disk holds the paths (default: the gateway's node). Forget: only its snapshots. GC: where it runs", HelpName = "NODE" };
        var paths = new Option<string[]>("--path", "-p") { Description = "Backup: a path to back up (repeatable; relative paths are resolved against the current directory). Forget: a path filter", HelpName = "PATH" };
        var excludes = new Option<string[]>("--exclude", "-e") { Description = "Backup: skip paths matching a glob (repeatable)", HelpName = "GLOB" };
        var tags = new Option<string[]>("--tag", "-t") { Description = "Backup: tag the snapshots (repeatable). Forget: a tag filter", HelpName = "TAG" };
        var every = new Option<string?>("--every") { Description = "Run at this interval: 90s, 15m, 6h, 1h30m, 7d (at least 1m)", HelpName = "DURATION" };
        var cron = new Option<string?>("--cron") { Description = "Run at the times of a cron expression in UTC: \"minute hour day-of-month month day-of-week\"", HelpName = "EXPR" };
        var maxRetries = new Option<int?>("--max-retries") { Description = "Retries of a failed run, 0-20 (default 3)", HelpName = "N" };
        var backoff = new Option<string?>("--retry-backoff") { Description = "Delay before the first retry, doubled for each further one up to 1h (default 1m)", HelpName = "DURATION" };
        var keep = new[] { ("last", "the newest N snapshots"), ("hourly", "one snapshot for each of the last N hours"), ("daily", "one for each of the last N days"),
                ("weekly", "one for each of the last N weeks"), ("monthly", "one for each of the last N months"), ("yearly", "one for each of the last N years") }
            .Select(k => new Option<int>($"--keep-{k.Item1}") { Description = $"Forget: keep {k.Item2} (-1 = all)", HelpName = "N" })
            .ToArray();
        var keepWithin = new Option<string?>("--keep-within") { Description = "Forget: keep every snapshot younger than this (a duration, from the newest)", HelpName = "DURATION" };
        var keepTags = new Option<string[]>("--keep-tag") { Description = "Forget: keep every snapshot with this tag (repeatable)", HelpName = "TAG" };
        var groupBy = new Option<string?>("--group-by") { Description = "Forget: what makes one history: a comma list of node, paths, tags, or none (default node,paths)", HelpName = "FIELDS" };
        var disabled = new Option<bool>("--disabled") { Description = "Keep the schedule but never run it when due (it can still be run by hand)" };

        var command = new Command("set", "Create or replace a schedule (the whole definition: options not given take their defaults)")
        {
            name, kind, node, paths, excludes, tags, every, cron, maxRetries, backoff, keepWithin, keepTags, groupBy, disabled,
        };
        foreach (var option in keep)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var spec = new ScheduleSpec
            {
                Kind = parse.GetValue(kind) switch
                {
                    "backup" => ScheduleKind.Backup,
                    "forget" => ScheduleKind.Forget,
                    _ => ScheduleKind.Gc,
                },
                Node = parse.GetValue(node) ?? "",
                Every = parse.GetValue(every) ?? "",
                Cron = parse.GetValue(cron) ?? "",
                RetryBackoff = parse.GetValue(backoff) ?? "",
                Disabled = parse.GetValue(disabled),
            };
            spec.Paths.AddRange(BackupCommand.Absolute(parse.GetValue(paths) ?? [], context.Environment.CurrentDirectory));
            spec.Excludes.AddRange(parse.GetValue(excludes) ?? []);
            spec.Tags.AddRange(parse.GetValue(tags) ?? []);
            if (parse.GetValue(maxRetries) is { } retries)
            {
                spec.MaxRetries = retries;
            }

            var retention = new ScheduleRetention
            {
                KeepLast = parse.GetValue(keep[0]),
                KeepHourly = parse.GetValue(keep[1]),
                KeepDaily = parse.GetValue(keep[2]),
                KeepWeekly = parse.GetValue(keep[3]),
                KeepMonthly = parse.GetValue(keep[4]),
                KeepYearly = parse.GetValue(keep[5]),
                KeepWithin = parse.GetValue(keepWithin) ?? "",
                GroupBy = parse.GetValue(groupBy) ?? "",
            };
            retention.KeepTags.AddRange(parse.GetValue(keepTags) ?? []);
            if (!retention.Equals(new ScheduleRetention()))
            {
                spec.Retention = retention;
            }

            return await WriteAsync(context, await context.Client.PutScheduleAsync(parse.GetValue(name)!, spec, ct));
        }));
        return command;
    }

    private static Command Simple(GlobalOptions globals, string verb, string description, Func<Client.VaultClient, string, CancellationToken, Task<Schedule>> call, string done)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var schedule = await call(context.Client, parse.GetValue(name)!, ct);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(ToJson(schedule)));
            }
            else
            {
                await context.Out.WriteLineAsync($"schedule '{schedule.Name}' {done}" + (verb == "run" ? $": {Result(schedule)}" : ""));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<int> WriteAsync(CommandContext context, Schedule schedule)
    {
        await context.Out.WriteAsync(context.Json ? Json.Serialize(ToJson(schedule)) + "\n" : Text(schedule, context.Environment.TimeZone));
        return ExitCodes.Ok;
    }

    /// <summary>The multi-line text of <c>vault schedule show</c>.</summary>
    public static string Text(Schedule s, TimeZoneInfo zone)
    {
        var spec = s.Spec;
        var lines = new List<string>
        {
            $"{s.Name}: {KindName(spec.Kind)} {Timing(spec)}{(spec.Disabled ? " (disabled)" : "")}",
        };
        void Add(string label, string value)
        {
            if (value.Length > 0)
            {
                lines.Add($"  {label,-13} {value}");
            }
        }

        Add("node:", spec.Node);
        Add("paths:", string.Join(" ", spec.Paths));
        Add("excludes:", string.Join(" ", spec.Excludes));
        Add("tags:", string.Join(" ", spec.Tags));
        Add("retention:", Retention(spec.Retention));
        Add("retries:", string.Create(CultureInfo.InvariantCulture, $"{spec.MaxRetries}, backoff {spec.RetryBackoff} doubling up to 1h"));
        Add("next due:", spec.Disabled ? "never (disabled)" : Formatting.Time(s.NextDue, zone));
        Add("last run:", s.LastRun is null ? "never" : $"{Formatting.Time(s.LastRun, zone)}, {Result(s)}");
        Add("last error:", s.LastError);
        Add("running:", s.CurrentJob.Length > 0 ? $"job {s.CurrentJob} on {s.CurrentNode}" : "");
        Add("retry at:", s.RetryAt is null ? "" : Formatting.Time(s.RetryAt, zone));
        return string.Join('\n', lines) + "\n";
    }

    private static string KindName(ScheduleKind kind) => kind switch
    {
        ScheduleKind.Backup => "backup",
        ScheduleKind.Forget => "forget",
        ScheduleKind.Gc => "gc",
        _ => "unknown",
    };

    private static string Timing(ScheduleSpec spec) => spec.Every.Length > 0 ? $"every {spec.Every}" : $"cron '{spec.Cron}'";

    private static string Result(Schedule s)
    {
        var result = s.Attempt > 0
            ? s.CurrentJob.Length > 0 ? $"running (attempt {s.Attempt})" : $"attempt {s.Attempt} failed, retrying"
            : s.LastResult.Length > 0 ? s.LastResult : "-";
        if (s.LastResult == "succeeded" && s.Attempt == 0 && s.LastDetail.Length > 0)
        {
            result += ": " + s.LastDetail;
        }

        return s.ConsecutiveFailures > 0 ? string.Create(CultureInfo.InvariantCulture, $"{result} ({s.ConsecutiveFailures} failures in a row)") : result;
    }

    private static string Retention(ScheduleRetention? r)
    {
        if (r is null)
        {
            return "";
        }

        var rules = new[] { ("last", r.KeepLast), ("hourly", r.KeepHourly), ("daily", r.KeepDaily), ("weekly", r.KeepWeekly), ("monthly", r.KeepMonthly), ("yearly", r.KeepYearly) }
            .Where(k => k.Item2 != 0)
            .Select(k => string.Create(CultureInfo.InvariantCulture, $"keep-{k.Item1} {(k.Item2 < 0 ? "all" : k.Item2.ToString(CultureInfo.InvariantCulture))}"))
            .ToList();
        if (r.KeepWithin.Length > 0)
        {
            rules.Add($"keep-within {r.KeepWithin}");
        }

        rules.AddRange(r.KeepTags.Select(t => $"keep-tag {t}"));
        return string.Join(", ", rules) + (r.GroupBy.Length > 0 ? $"; grouped by {r.GroupBy}" : "");
    }

    private static object ToJson(Schedule s) => new
    {
        name = s.Name,
        kind = KindName(s.Spec.Kind),
        node = s.Spec.Node.Length == 0 ? null : s.Spec.Node,
        paths = s.Spec.Paths.ToArray(),
        excludes = s.Spec.Excludes.ToArray(),
        tags = s.Spec.Tags.ToArray(),
        every = s.Spec.Every.Length == 0 ? null : s.Spec.Every,
        cron = s.Spec.Cron.Length == 0 ? null : s.Spec.Cron,
        maxRetries = s.Spec.MaxRetries,
        retryBackoff = s.Spec.RetryBackoff,
        retention = s.Spec.Retention is { } r ? new
        {
            keepLast = r.KeepLast,
            keepHourly = r.KeepHourly,
            keepDaily = r.KeepDaily,
            keepWeekly = r.KeepWeekly,
            keepMonthly = r.KeepMonthly,
            keepYearly = r.KeepYearly,
            keepWithin = r.KeepWithin.Length == 0 ? null : r.KeepWithin,
            keepTags = r.KeepTags.ToArray(),
            groupBy = r.GroupBy,
        } : null,
        enabled = !s.Spec.Disabled,
        nextDue = s.NextDue?.ToDateTimeOffset(),
        lastRun = s.LastRun?.ToDateTimeOffset(),
        lastResult = s.LastResult.Length == 0 ? null : s.LastResult,
        lastError = s.LastError.Length == 0 ? null : s.LastError,
        lastDetail = s.LastDetail.Length == 0 ? null : s.LastDetail,
        consecutiveFailures = s.ConsecutiveFailures,
        attempt = s.Attempt,
        retryAt = s.RetryAt?.ToDateTimeOffset(),
        currentJob = s.CurrentJob.Length == 0 ? null : s.CurrentJob,
        currentNode = s.CurrentNode.Length == 0 ? null : s.CurrentNode,
    };
}
