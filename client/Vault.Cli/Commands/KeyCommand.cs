using System.CommandLine;

namespace Vault.Cli.Commands;

/// <summary>
/// <c>vault key passwd --old-password-file F --new-password-file F</c> (admin role): re-wraps the
/// repository's master key under a new password. Passwords come from files (first line), never from
/// the command line, where other users could read them.
/// </summary>
public static class KeyCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var oldFile = new Option<string>("--old-password-file") { Description = "File whose first line is the current password", Required = true, HelpName = "FILE" };
        var newFile = new Option<string>("--new-password-file") { Description = "File whose first line is the new password", Required = true, HelpName = "FILE" };
        var passwd = new Command("passwd", "Change the repository password (the master key is re-wrapped; no data is rewritten)") { oldFile, newFile };
        passwd.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var oldPassword = ReadPassword(parse.GetValue(oldFile)!, "--old-password-file");
            var newPassword = ReadPassword(parse.GetValue(newFile)!, "--new-password-file");
            var store = await context.Client.ChangePasswordAsync(oldPassword, newPassword, cancellationToken);
            await context.Out.WriteLineAsync(context.Json
                ? Json.Serialize(new { changed = true, keyStore = store })
                : $"repository password changed (key in the {store}); give every node the new password before it next starts");
            return ExitCodes.Ok;
        }));
        return new Command("key", "The repository's master key (admin role)") { passwd };
    }

    private static string ReadPassword(string file, string option)
    {
        string? line;
        try
        {
            line = File.ReadLines(file).FirstOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option} {file}: {e.Message}");
        }

        return line is { Length: > 0 } ? line : throw new UsageException($"{option} {file}: the first line is empty");
    }
}
