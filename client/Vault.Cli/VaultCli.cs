using System.CommandLine;
using System.CommandLine.Invocation;
using Vault.Cli.Commands;

namespace Vault.Cli;

/// <summary>The <c>vault</c> command line: parsing, dispatch and exit codes.</summary>
public static class VaultCli
{
    /// <summary>Parses and runs one command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(environment);
        var parse = root.Parse(FailoverCommand.RewriteArguments(args));
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"vault: error: {error.Message}");
            }

            await environment.Error.WriteLineAsync("Run 'vault --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = environment.CancelTimeout + TimeSpan.FromSeconds(2),
        };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (Exception e)
        {
            // Commands handle their own failures; this is the last line of defence against a stack trace.
            await environment.Error.WriteLineAsync($"vault: error: {e.Message}");
            return ExitCodes.Error;
        }
    }

    /// <summary>The command tree, bound to an environment.</summary>
    public static RootCommand BuildRootCommand(CliEnvironment environment)
    {
        var globals = new GlobalOptions(environment);
        var root = new RootCommand(
            "Vault: distributed, deduplicating, encrypted backups.\n" +
            "Paths given to backup and restore are on the disk of the node that runs the job\n" +
            "(in embedded mode, this machine).\n\n" + ExitCodes.Description);
        root.Options.Add(globals.Gateway);
        root.Options.Add(globals.Json);
        root.Options.Add(globals.Token);
        root.Subcommands.Add(BackupCommand.Create(globals));
        root.Subcommands.Add(SnapshotsCommand.Create(globals));
        root.Subcommands.Add(LsCommand.Create(globals));
        root.Subcommands.Add(RestoreCommand.Create(globals));
        root.Subcommands.Add(PruneCommand.Create(globals));
        root.Subcommands.Add(PruneCommand.CreateGc(globals));
        root.Subcommands.Add(StatusCommand.Create(globals));
        root.Subcommands.Add(FailoverCommand.Create(globals));
        root.Subcommands.Add(DumpCommand.Create(globals));
        root.Subcommands.Add(KeysCommand.Create(globals));
        root.Subcommands.Add(AuditCommand.Create(globals));
        root.Subcommands.Add(PeersCommand.Create(globals));
        root.Subcommands.Add(ForgetCommand.Create(globals));
        root.Subcommands.Add(CheckCommand.Create(globals));
        root.Subcommands.Add(ScheduleCommand.Create(globals));
        root.Subcommands.Add(KeyCommand.Create(globals));
        root.Subcommands.Add(RemoteCommand.Create(globals));
        root.Subcommands.Add(NotifyCommand.Create(globals));
        root.Subcommands.Add(OffsiteCommand.Create(globals));
        root.Subcommands.Add(CertsCommand.Create(globals));
        return root;
    }
}
