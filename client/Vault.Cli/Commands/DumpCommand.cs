using System.CommandLine;

namespace Vault.Cli.Commands;

/// <summary><c>vault dump SNAPSHOT PATH [-o FILE]</c>: a file's bytes to stdout (or FILE).</summary>
public static class DumpCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "Snapshot id, unique id prefix, or \"latest\"" };
        var path = new Argument<string>("PATH") { Description = "Path of a file inside the snapshot (for a --stdin backup: /NAME)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output (the file is removed if the dump fails)", HelpName = "FILE" };
        var command = new Command("dump", "Write one file of a snapshot to standard output, verified, as it streams") { snapshot, path, output };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var reference = parse.GetValue(snapshot) ?? "";
            var inside = RestoreCommand.SnapshotPath(parse.GetValue(path) ?? "");
            if (parse.GetValue(output) is not { } file)
            {
                await using var stdout = context.Environment.OpenOutput();
                await context.Client.DumpAsync(reference, inside, stdout, cancellationToken);
                await stdout.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }

            var target = Path.GetFullPath(file, context.Environment.CurrentDirectory);
            var done = false;
            try
            {
                await using (var stream = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
                {
                    await context.Client.DumpAsync(reference, inside, stream, cancellationToken);
                }

                done = true;
                return ExitCodes.Ok;
            }
            finally
            {
                if (!done)
                {
                    File.Delete(target);
                }
            }
        }));
        return command;
    }
}
