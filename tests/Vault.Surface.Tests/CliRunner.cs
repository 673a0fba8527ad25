using Vault.Cli;

namespace Vault.Surface.Tests;

public sealed record CliRun(int ExitCode, string Out, string Error);

/// <summary>Runs the CLI in-process against a test gateway, as a user in /home/me with UTC times.</summary>
public static class CliRunner
{
    public static Task<CliRun> RunAsync(GatewayHost host, params string[] args) => RunAsync(host, null, args);

    /// <summary>Runs the CLI with <paramref name="input"/> as its standard input.</summary>
    public static async Task<CliRun> RunAsync(GatewayHost host, Func<Stream>? input, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var environment = new CliEnvironment
        {
            Out = output,
            Error = error,
            CurrentDirectory = "/home/me",
            TimeZone = TimeZoneInfo.Utc,
            GetVariable = name => name == CliEnvironment.GatewayVariable ? host.GrpcAddress.ToString() : null,
            CancelTimeout = TimeSpan.FromSeconds(5),
            OpenInput = input ?? (() => Stream.Null),
        };
        var exitCode = await VaultCli.RunAsync(args, environment);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
