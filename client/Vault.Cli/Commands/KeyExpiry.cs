using System.Globalization;

namespace Vault.Cli.Commands;

/// <summary>The value of <c>keys create --expires</c>: a duration from now (90d, 12h, 1d12h) or an ISO 8601 time with an offset.</summary>
public static class KeyExpiry
{
    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        if (text.Length > 0 && char.IsAsciiDigit(text[^1]) == false && text.All(c => char.IsAsciiDigit(c) || c is 'd' or 'h' or 'm' or 's'))
        {
            try
            {
                return now + RemoteCommand.ParseDuration(text);
            }
            catch (UsageException)
            {
                throw new UsageException($"--expires '{text}' is not a duration like 90d, 12h or 1d12h, nor a time like 2027-03-01T00:00:00Z");
            }
        }

        if (text.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at > now ? at : throw new UsageException($"--expires '{text}' is not in the future");
        }

        throw new UsageException($"--expires '{text}' is not a duration like 90d, 12h or 1d12h, nor a time like 2027-03-01T00:00:00Z");
    }
}
