using System.CommandLine;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault snapshots [--node N] [--tag T] [--path P]</c></summary>
public static class SnapshotsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var node = new Option<string?>("--node", "-n") { Description = "Only snapshots of this node", HelpName = "NODE" };
        var tag = new Option<string?>("--tag", "-t") { Description = "Only snapshots with this tag", HelpName = "TAG" };
        var path = new Option<string?>("--path", "-p") { Description = "Only snapshots of this path", HelpName = "PATH" };

        var command = new Command("snapshots", "List snapshots, oldest first") { node, tag, path };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var snapshots = await context.Client.ListSnapshotsAsync(
                parse.GetValue(node) ?? "", parse.GetValue(tag) ?? "", parse.GetValue(path) ?? "", cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(snapshots.Select(Json.Snapshot).ToArray()));
            }
            else
            {
                await context.Out.WriteAsync(Table(snapshots, context.Environment.TimeZone));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The snapshot table; incomplete snapshots are marked with "!" after the size.</summary>
    public static string Table(IReadOnlyList<Snapshot> snapshots, TimeZoneInfo zone)
    {
        if (snapshots.Count == 0)
        {
            return "no snapshots\n";
        }

        var rows = snapshots.Select(s => (IReadOnlyList<string>)
        [
            s.ShortId.Length == 0 ? Formatting.ShortId(s.Id) : s.ShortId,
            Formatting.Time(s.Time, zone),
            s.Node,
            Formatting.Bytes(s.Stats?.BytesTotal ?? 0) + (s.Incomplete ? " !" : ""),
            string.Join(",", s.Tags),
            string.Join(" ", s.Paths),
        ]);
        var table = Formatting.Table(["ID", "TIME", "NODE", "SIZE", "TAGS", "PATHS"], rows, new HashSet<int> { 3 });
        return snapshots.Any(s => s.Incomplete) ? table + "! = incomplete (some files could not be read)\n" : table;
    }
}
