using System.CommandLine;
using Vault.Client;

namespace Vault.Cli.Commands;

/// <summary>Options every command takes, and the shared error handling of command actions.</summary>
public sealed class GlobalOptions
{
    public GlobalOptions(CliEnvironment environment)
    {
        Environment = environment;
        Gateway = new Option<string>("--gateway")
        {
            Description = $"Gateway URL (env {CliEnvironment.GatewayVariable})",
            HelpName = "URL",
            Recursive = true,
            DefaultValueFactory = _ => environment.GetVariable(CliEnvironment.GatewayVariable) is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : CliEnvironment.DefaultGateway,
        };
        Token = new Option<string?>("--token")
        {
            Description = $"API key (env {CliEnvironment.TokenVariable}); needed when the gateway requires authentication",
            HelpName = "TOKEN",
            Recursive = true,
            DefaultValueFactory = _ => environment.GetVariable(CliEnvironment.TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
        };
        Json = new Option<bool>("--json")
        {
            Description = "Write machine-readable JSON to stdout instead of text",
            Recursive = true,
        };
    }

    public CliEnvironment Environment { get; }

    public Option<string> Gateway { get; }

    public Option<bool> Json { get; }

    public Option<string?> Token { get; }

    /// <summary>Runs a command body with a client, turning every failure into a one-line message and an exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<CommandContext, Task<int>> body)
    {
        var error = Environment.Error;
        var gateway = parse.GetValue(Gateway) ?? CliEnvironment.DefaultGateway;
        if (!Uri.TryCreate(gateway, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            await error.WriteLineAsync($"vault: error: gateway '{gateway}' is not an http:// or https:// URL");
            return ExitCodes.Usage;
        }

        try
        {
            using var client = Environment.ClientFactory(address, new VaultClientOptions { Token = parse.GetValue(Token) });
            var context = new CommandContext(Environment, client, parse.GetValue(Json), address);
            return await body(context);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"vault: error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("vault: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (VaultClientException e) when (e.StatusCode == Grpc.Core.StatusCode.Unavailable)
        {
            await error.WriteLineAsync($"vault: cannot reach the gateway at {gateway}: {e.Message}");
            return ExitCodes.Unreachable;
        }
        catch (VaultClientException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("vault: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (VaultClientException e) when (e.StatusCode is Grpc.Core.StatusCode.Unauthenticated or Grpc.Core.StatusCode.PermissionDenied)
        {
            await error.WriteLineAsync($"vault: error: {e.Message}");
            return ExitCodes.Denied;
        }
        catch (VaultClientException e)
        {
            await error.WriteLineAsync($"vault: error: {e.Message}");
            var code = ExitCodes.FromStatus(e.StatusCode);
            return code == ExitCodes.Cancelled ? ExitCodes.Error : code;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            await error.WriteLineAsync($"vault: error: {e.Message}");
            return ExitCodes.Error;
        }
    }
}

/// <summary>What a command body works with.</summary>
public sealed record CommandContext(CliEnvironment Environment, VaultClient Client, bool Json, Uri Gateway)
{
    public TextWriter Out => Environment.Out;

    public TextWriter Error => Environment.Error;

    /// <summary>Live progress is drawn only on a terminal and never with --json.</summary>
    public bool ShowProgress => Environment.Interactive && !Json;
}

/// <summary>Bad arguments found after parsing (unreadable exclude file...): exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
