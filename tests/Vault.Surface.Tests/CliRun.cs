using Vault.Cli;

namespace Vault.Surface.Tests;

/// <summary>Runs the CLI in-process against a test gateway, capturing stdout, stderr and the exit code.</summary>
public static class CliRun
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(GatewayHost host, params string[] args)
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
        };
        var exitCode = await VaultCli.RunAsync(args, environment);
        return (exitCode, output.ToString(), error.ToString());
    }
}
