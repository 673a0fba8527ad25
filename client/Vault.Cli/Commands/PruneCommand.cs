using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault prune</c> (run garbage collection) and <c>vault gc status</c>.</summary>
public static class PruneCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would be freed; change nothing" };
        var threshold = new Option<double>("--repack-threshold")
        {
            Description = "Rewrite packs with at least this fraction of unreferenced bytes (0 < x <= 1; default: the node's Vault:Gc:RepackThreshold)",
        };
        var node = new Option<string>("--node") { Description = "Node that runs the job (default: the node that answers)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the run and return; see 'vault gc status'" };
        var command = new Command("prune", "Delete data no snapshot uses any more (garbage collection, online: backups keep running). Forget snapshots first with 'vault forget'")
        {
            dryRun, threshold, node, noWait,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var value = parse.GetValue(threshold);
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                await context.Error.WriteLineAsync($"--repack-threshold {value.ToString(CultureInfo.InvariantCulture)}: must be above 0 and at most 1");
                return ExitCodes.Usage;
            }

            var status = await context.Client.RunGcAsync(
                new RunGcRequest { DryRun = parse.GetValue(dryRun), RepackThreshold = value, Node = parse.GetValue(node) ?? "" }, cancellationToken);
            var run = status.Current ?? status.Last;
            if (run is null)
            {
                await context.Error.WriteLineAsync("the gateway started no run");
                return ExitCodes.Error;
            }

            if (!parse.GetValue(noWait) && run.Outcome == "running")
            {
                if (!context.Json)
                {
                    await context.Error.WriteLineAsync($"GC run {Formatting.ShortId(run.RunId)} on node {run.Node}…");
                }

                run = await context.Client.WaitForGcAsync(run.RunId, cancellationToken: cancellationToken);
            }

            await Print(context, run);
            return run.Outcome == "failed" ? ExitCodes.Error : ExitCodes.Ok;
        }));
        return command;
    }

    public static Command CreateGc(GlobalOptions globals)
    {
        var command = new Command("gc", "Garbage collection");
        var status = new Command("status", "The run in progress (if any) and the last finished run");
        status.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var gc = await context.Client.GetGcStatusAsync(cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new { current = gc.Current is null ? null : ToJson(gc.Current), last = gc.Last is null ? null : ToJson(gc.Last) }));
                return ExitCodes.Ok;
            }

            if (gc.Current is null && gc.Last is null)
            {
                await context.Out.WriteLineAsync("no GC run yet");
            }

            if (gc.Current is { } current)
            {
                await context.Out.WriteLineAsync($"running: {Describe(current)}");
            }

            if (gc.Last is { } last)
            {
                await context.Out.WriteLineAsync($"last: {Describe(last)}");
            }

            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(status);
        return command;
    }

    private static async Task Print(CommandContext context, GcRun run)
    {
        if (context.Json)
        {
            await context.Out.WriteLineAsync(Json.Serialize(ToJson(run)));
        }
        else
        {
            await context.Out.WriteLineAsync(Describe(run));
        }
    }

    public static string Describe(GcRun run)
    {
        var what = run.DryRun
            ? string.Create(CultureInfo.InvariantCulture, $"dry run: {run.ChunksRemoved} of {run.ChunksRemoved + run.ChunksLive} chunks unreferenced, {Formatting.Bytes(run.BytesFreed)} would be freed")
            : string.Create(CultureInfo.InvariantCulture,
                $"{run.PacksDeleted} packs deleted, {run.PacksRepacked} repacked, {run.ChunksRemoved} chunks removed, {Formatting.Bytes(run.BytesFreed)} freed; {run.ChunksLive} chunks in use by {run.SnapshotsMarked} snapshots");
        var state = run.Outcome == "running" ? $"{run.Phase}" : run.Outcome;
        var error = run.Error.Length > 0 ? $" — {run.Error}" : "";
        return $"{Formatting.ShortId(run.RunId)} {state} on {run.Node} after {Formatting.Duration(TimeSpan.FromSeconds(run.DurationSeconds))}: {what}{error}";
    }

    private static object ToJson(GcRun r) => new
    {
        runId = r.RunId,
        outcome = r.Outcome,
        phase = r.Phase,
        node = r.Node,
        job = r.JobId,
        started = r.Started?.ToDateTimeOffset(),
        finished = r.Finished?.ToDateTimeOffset(),
        dryRun = r.DryRun,
        snapshotsMarked = r.SnapshotsMarked,
        chunksLive = r.ChunksLive,
        chunksRemoved = r.ChunksRemoved,
        packsDeleted = r.PacksDeleted,
        packsRepacked = r.PacksRepacked,
        bytesFreed = r.BytesFreed,
        durationSeconds = r.DurationSeconds,
        error = r.Error.Length > 0 ? r.Error : null,
    };
}
