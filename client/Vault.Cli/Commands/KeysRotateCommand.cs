using System.CommandLine;

namespace Vault.Cli.Commands;

/// <summary><c>vault keys rotate NAME [--overlap SECONDS]</c> (admin role): a new token, the old one valid for the overlap.</summary>
public static class KeysRotateCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = new Argument<string>("NAME") { Description = "The key to rotate" };
        var overlap = new Option<long>("--overlap")
        {
            Description = "Seconds the old token stays valid (0 = it stops at once; at most 2592000, 30 days)",
            DefaultValueFactory = _ => 3600,
            HelpName = "SECONDS",
        };
        var rotate = new Command("rotate", "Give an API key a new token; the old token keeps working until the overlap ends") { name, overlap };
        rotate.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var seconds = parse.GetValue(overlap);
            if (seconds < 0)
            {
                throw new UsageException($"--overlap is {seconds}; must be 0 or more seconds");
            }

            var rotated = await context.Client.RotateApiKeyAsync(parse.GetValue(name) ?? "", TimeSpan.FromSeconds(seconds), cancellationToken);
            var until = rotated.Key.PreviousTokenValidUntil?.ToDateTimeOffset();
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new { name = rotated.Key.Name, token = rotated.Token, previousTokenValidUntil = until }));
            }
            else
            {
                await context.Out.WriteLineAsync(rotated.Token);
                await context.Error.WriteLineAsync(until is { } u
                    ? $"vault: rotated key '{rotated.Key.Name}'; the old token works until {Formatting.Time(rotated.Key.PreviousTokenValidUntil, context.Environment.TimeZone)}; the token above is shown only once"
                    : $"vault: rotated key '{rotated.Key.Name}'; the old token has stopped working; the token above is shown only once");
            }

            return ExitCodes.Ok;
        }));
        return rotate;
    }
}
