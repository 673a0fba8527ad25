namespace Vault.Remote.Commands;

/// <summary>POSIX shell quoting: one word, whatever it contains.</summary>
public static class ShellQuote
{
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
