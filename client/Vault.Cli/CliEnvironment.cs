using Vault.Client;

namespace Vault.Cli;

/// <summary>Everything the CLI takes from its surroundings, so that tests can run it in-process.</summary>
public sealed class CliEnvironment
{
    /// <summary>The default gateway: the silo's gRPC port on this machine.</summary>
    public const string DefaultGateway = "http://127.0.0.1:7401";

    /// <summary>Environment variable that overrides <see cref="DefaultGateway"/>.</summary>
    public const string GatewayVariable = "VAULT_GATEWAY";

    /// <summary>Environment variable holding the API key when --token is not given.</summary>
    public const string TokenVariable = "VAULT_TOKEN";

    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>True when stdout is a terminal: live progress lines are drawn.</summary>
    public bool Interactive { get; init; }

    /// <summary>Directory that relative paths on the command line are resolved against.</summary>
    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;

    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Creates the client for a gateway address.</summary>
    public Func<Uri, VaultClientOptions, VaultClient> ClientFactory { get; init; } = (address, options) => new VaultClient(address, options);

    /// <summary>The raw bytes of standard input (backup --stdin).</summary>
    public Func<Stream> OpenInput { get; init; } = Console.OpenStandardInput;

    /// <summary>The raw bytes of standard output (dump).</summary>
    public Func<Stream> OpenOutput { get; init; } = Console.OpenStandardOutput;

    /// <summary>Time zone that times are shown in.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>How long a cancelled command may spend cancelling its job on the server.</summary>
    public TimeSpan CancelTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static CliEnvironment FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Interactive = !Console.IsOutputRedirected,
    };
}
