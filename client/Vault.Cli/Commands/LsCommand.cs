using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault ls SNAPSHOT [PATH] [--non-recursive]</c></summary>
public static class LsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "Snapshot id, unique id prefix, or \"latest\"" };
        var path = new Argument<string>("PATH")
        {
            Description = "Path inside the snapshot (default: /)",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "/",
        };
        var nonRecursive = new Option<bool>("--non-recursive", "-N") { Description = "List only the direct children of PATH" };

        var command = new Command("ls", "List the files of a snapshot (with --json: one JSON object per line)")
        {
            snapshot, path, nonRecursive,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var reference = parse.GetValue(snapshot) ?? "";
            var inside = RestoreCommand.SnapshotPath(parse.GetValue(path) ?? "/");
            await foreach (var entry in context.Client.ListFilesAsync(reference, inside, !parse.GetValue(nonRecursive), cancellationToken))
            {
                await context.Out.WriteLineAsync(context.Json ? Json.Serialize(Json.File(entry)) : Line(entry, context.Environment.TimeZone));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>One entry: mode, owner, size, mtime, path (and the target of a symlink).</summary>
    public static string Line(FileEntry entry, TimeZoneInfo zone)
    {
        var owner = string.Create(CultureInfo.InvariantCulture, $"{entry.Uid}:{entry.Gid}");
        var size = entry.Type == FileType.Directory ? "-" : Formatting.Bytes(entry.Size);
        var line = $"{Formatting.Mode(entry.Type, entry.Mode)}  {owner,-11}  {size,10}  {Formatting.Time(entry.Mtime, zone)}  {entry.Path}";
        return entry.Type == FileType.Symlink && entry.LinkTarget.Length > 0 ? $"{line} -> {entry.LinkTarget}" : line;
    }
}
