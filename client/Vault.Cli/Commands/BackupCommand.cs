using System.CommandLine;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault backup PATH... [--tag T]... [--exclude GLOB]... [--exclude-file F] [--node N] [--force]</c></summary>
public static class BackupCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files or directories to back up, on the node's disk (relative paths are resolved against the current directory)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var stdin = new Option<bool>("--stdin") { Description = "Back up standard input (a dump, an archive...) as one file named by --name" };
        var name = new Option<string?>("--name") { Description = "With --stdin: the file name inside the snapshot", HelpName = "NAME" };
        var tags = new Option<string[]>("--tag", "-t") { Description = "Tag the snapshot (repeatable)", HelpName = "TAG" };
        var excludes = new Option<string[]>("--exclude", "-e") { Description = "Skip paths matching a glob (repeatable)", HelpName = "GLOB" };
        var excludeFile = new Option<string?>("--exclude-file") { Description = "Read exclude globs from a file, one a line (blank lines and # comments skipped)", HelpName = "FILE" };
        var node = new Option<string?>("--node", "-n") { Description = "Node whose disk holds the paths (default: the gateway's node)", HelpName = "NODE" };
        var force = new Option<bool>("--force", "-f") { Description = "Read every file even when its metadata is unchanged" };

        var command = new Command("backup", "Back up paths into a new snapshot, showing progress, then a summary")
        {
            paths, tags, excludes, excludeFile, node, force, stdin, name,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            if (parse.GetValue(stdin))
            {
                if ((parse.GetValue(paths) ?? []).Length > 0 || parse.GetValue(excludes) is { Length: > 0 } || parse.GetValue(excludeFile) is not null || parse.GetValue(force))
                {
                    throw new UsageException("--stdin takes no PATH, --exclude, --exclude-file or --force");
                }

                var fileName = parse.GetValue(name) is { Length: > 0 } n ? n : throw new UsageException("--stdin needs --name NAME (the file name inside the snapshot)");
                if (System.Text.Encoding.UTF8.GetByteCount(fileName) is var bytes and > MaxNameBytes)
                {
                    // Refused before standard input is read: the format allows 255 bytes per name.
                    throw new UsageException($"--name is {bytes} bytes in UTF-8; a name inside a snapshot has at most {MaxNameBytes}");
                }

                return await StreamAsync(context, fileName, parse.GetValue(tags) ?? [], parse.GetValue(node) ?? "", cancellationToken);
            }

            if ((parse.GetValue(paths) ?? []).Length == 0)
            {
                throw new UsageException("backup needs at least one PATH (or --stdin --name NAME)");
            }

            if (parse.GetValue(name) is not null)
            {
                throw new UsageException("--name is only for --stdin");
            }

            var request = new StartBackupRequest
            {
                Node = parse.GetValue(node) ?? "",
                Force = parse.GetValue(force),
            };
            request.Paths.AddRange(Absolute(parse.GetValue(paths) ?? [], context.Environment.CurrentDirectory));
            request.Tags.AddRange(parse.GetValue(tags) ?? []);
            request.Excludes.AddRange(parse.GetValue(excludes) ?? []);
            if (parse.GetValue(excludeFile) is { } file)
            {
                request.Excludes.AddRange(ReadExcludeFile(Path.GetFullPath(file, context.Environment.CurrentDirectory)));
            }

            return await RunAsync(context, request, cancellationToken);
        }));
        return command;
    }

    /// <summary>Makes each path absolute against <paramref name="currentDirectory"/>.</summary>
    public static IEnumerable<string> Absolute(IEnumerable<string> paths, string currentDirectory) =>
        paths.Select(p => string.IsNullOrWhiteSpace(p) ? throw new UsageException("paths must not be empty") : Path.GetFullPath(p, currentDirectory));

    /// <summary>The patterns of an exclude file: trimmed lines, without blank lines and # comments.</summary>
    public static IReadOnlyList<string> ParseExcludeLines(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    private static IReadOnlyList<string> ReadExcludeFile(string file)
    {
        try
        {
            return ParseExcludeLines(File.ReadLines(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read exclude file '{file}': {e.Message}");
        }
    }

    /// <summary>The longest name inside a snapshot, in UTF-8 bytes (the tree format's limit; the server checks it too).</summary>
    public const int MaxNameBytes = 255;

    private static async Task<int> RunAsync(CommandContext context, StartBackupRequest request, CancellationToken cancellationToken)
    {
        var started = await context.Client.StartBackupAsync(request, cancellationToken);
        var job = await JobWatcher.FollowAsync(context, started, cancellationToken);
        await JobWatcher.WriteWarningsAsync(context, job);

        if (job.State != JobState.Succeeded || job.Snapshot.Length == 0)
        {
            var reason = job.State == JobState.Cancelled ? "the backup job was cancelled" : $"backup failed: {NonEmpty(job.Error, "unknown error")}";
            await context.Error.WriteLineAsync($"vault: error: {reason}");
            return job.State == JobState.Succeeded ? ExitCodes.Error : ExitCodes.FromJob(job);
        }

        var snapshot = await context.Client.GetSnapshotAsync(job.Snapshot, cancellationToken);
        var stats = snapshot.Stats ?? new SnapshotStats();
        var incomplete = snapshot.Incomplete || stats.Errors > 0 || (job.Progress?.Errors ?? 0) > 0;

        if (context.Json)
        {
            await context.Out.WriteLineAsync(Json.Serialize(new
            {
                snapshot = snapshot.Id,
                stats = Json.Stats(stats),
                warnings = job.Warnings.ToArray(),
                incomplete,
            }));
        }
        else
        {
            var duration = stats.DurationSeconds > 0 ? TimeSpan.FromSeconds(stats.DurationSeconds) : JobWatcher.Elapsed(job);
            await context.Out.WriteAsync(Summary(snapshot, stats, duration));
            if (incomplete)
            {
                await context.Out.WriteLineAsync($"warning: the snapshot is incomplete ({Math.Max(stats.Errors, job.Progress?.Errors ?? 0)} files could not be read; see the warnings)");
            }
        }

        return incomplete ? ExitCodes.Incomplete : ExitCodes.Ok;
    }

    private static async Task<int> StreamAsync(CommandContext context, string name, string[] tags, string node, CancellationToken cancellationToken)
    {
        await using var input = context.Environment.OpenInput();
        var snapshot = await context.Client.BackupStreamAsync(input, name, tags, node, cancellationToken);
        var stats = snapshot.Stats ?? new SnapshotStats();
        if (context.Json)
        {
            await context.Out.WriteLineAsync(Json.Serialize(new { snapshot = snapshot.Id, name = "/" + name, stats = Json.Stats(stats) }));
        }
        else
        {
            await context.Out.WriteAsync(
                $"snapshot {NonEmpty(snapshot.ShortId, Formatting.ShortId(snapshot.Id))} saved (/{name} from standard input)\n" +
                $"  data:     {Formatting.Bytes(stats.BytesTotal)} read, {Formatting.Bytes(stats.BytesStored)} added (after deduplication and compression)\n" +
                $"  duration: {Formatting.Duration(TimeSpan.FromSeconds(stats.DurationSeconds))}\n");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The text summary of a finished backup.</summary>
    public static string Summary(Snapshot snapshot, SnapshotStats stats, TimeSpan duration) =>
        $"snapshot {NonEmpty(snapshot.ShortId, Formatting.ShortId(snapshot.Id))} saved\n" +
        $"  files:    {stats.Files - stats.FilesUnchanged} new or changed, {stats.FilesUnchanged} unchanged, {stats.Directories} directories\n" +
        $"  data:     {Formatting.Bytes(stats.BytesTotal)} processed, {Formatting.Bytes(stats.BytesStored)} added (after deduplication and compression)\n" +
        $"  duration: {Formatting.Duration(duration)}\n";

    private static string NonEmpty(string value, string fallback) => value.Length == 0 ? fallback : value;
}
