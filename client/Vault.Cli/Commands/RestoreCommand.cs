using System.CommandLine;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault restore SNAPSHOT --target DIR [--include PATH]... [--node N]</c></summary>
public static class RestoreCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "Snapshot id, unique id prefix, or \"latest\"" };
        var target = new Option<string>("--target", "-t")
        {
            Description = "Directory to restore into, on the node's disk (relative paths are resolved against the current directory)",
            HelpName = "DIR",
            Required = true,
        };
        var includes = new Option<string[]>("--include", "-i") { Description = "Restore only this snapshot path and what is below it (repeatable)", HelpName = "PATH" };
        var node = new Option<string?>("--node", "-n") { Description = "Node to restore on (default: the gateway's node)", HelpName = "NODE" };

        var command = new Command("restore", "Restore a snapshot into a directory, showing progress, then a summary")
        {
            snapshot, target, includes, node,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var targetText = parse.GetValue(target);
            if (string.IsNullOrWhiteSpace(targetText))
            {
                throw new UsageException("--target must not be empty");
            }

            var request = new StartRestoreRequest
            {
                Snapshot = parse.GetValue(snapshot) ?? "",
                Target = Path.GetFullPath(targetText, context.Environment.CurrentDirectory),
                Node = parse.GetValue(node) ?? "",
            };
            request.Includes.AddRange((parse.GetValue(includes) ?? []).Select(SnapshotPath));
            return await RunAsync(context, request, cancellationToken);
        }));
        return command;
    }

    /// <summary>A path inside a snapshot: always absolute ("etc/x" means "/etc/x").</summary>
    public static string SnapshotPath(string path) =>
        string.IsNullOrWhiteSpace(path) ? throw new UsageException("paths must not be empty") : path.StartsWith('/') ? path : "/" + path;

    private static async Task<int> RunAsync(CommandContext context, StartRestoreRequest request, CancellationToken cancellationToken)
    {
        var started = await context.Client.StartRestoreAsync(request, cancellationToken);
        var job = await JobWatcher.FollowAsync(context, started, cancellationToken);
        await JobWatcher.WriteWarningsAsync(context, job);

        if (job.State != JobState.Succeeded)
        {
            var reason = job.State == JobState.Cancelled ? "the restore job was cancelled" : $"restore failed: {(job.Error.Length == 0 ? "unknown error" : job.Error)}";
            await context.Error.WriteLineAsync($"vault: error: {reason}");
            return ExitCodes.FromJob(job);
        }

        var progress = job.Progress ?? new JobProgress();
        var duration = JobWatcher.Elapsed(job);
        if (context.Json)
        {
            await context.Out.WriteLineAsync(Json.Serialize(new
            {
                job = job.Id,
                snapshot = job.Snapshot.Length == 0 ? request.Snapshot : job.Snapshot,
                target = request.Target,
                progress = Json.Progress(progress),
                durationSeconds = duration.TotalSeconds,
                warnings = job.Warnings.ToArray(),
            }));
        }
        else
        {
            var name = job.Snapshot.Length == 0 ? request.Snapshot : Formatting.ShortId(job.Snapshot);
            await context.Out.WriteLineAsync($"restored snapshot {name} to {request.Target}");
            await context.Out.WriteLineAsync($"  files:    {progress.FilesDone}");
            await context.Out.WriteLineAsync($"  data:     {Formatting.Bytes(progress.BytesDone)}");
            await context.Out.WriteLineAsync($"  duration: {Formatting.Duration(duration)}");
        }

        if (progress.Errors > 0)
        {
            await context.Error.WriteLineAsync($"vault: error: {progress.Errors} entries could not be restored; see the warnings");
            return ExitCodes.Error;
        }

        return ExitCodes.Ok;
    }
}
