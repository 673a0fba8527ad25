using System.Globalization;
using System.Text;

namespace Vault.Retention;

/// <summary>
/// The text forms of retention settings that users type: durations ("7d", "12h", "2w", "1y6m") and
/// groupings ("node,paths", "tags", "none"). One parser for the gateway, and one printer for the
/// planner's reasons, so the two always agree.
/// </summary>
public static class RetentionSyntax
{
    /// <summary>Days in a year and in a month of a duration: calendar-free, so a duration is a fixed length of time.</summary>
    public const int DaysPerYear = 365;
    public const int DaysPerMonth = 30;

    private const string DurationRule = "use numbers with units y (365 days), m (30 days), w, d and h, for example 7d, 12h, 2w or 1y6m";

    /// <summary>Parses a duration such as "7d", "36h", "2w3d" or "1y6m"; throws <see cref="InvalidRequestException"/> naming the text.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var input = text.Trim();
        if (input.Length == 0)
        {
            throw new InvalidRequestException($"keep-within is empty; {DurationRule}");
        }

        long hours = 0;
        var at = 0;
        while (at < input.Length)
        {
            var start = at;
            while (at < input.Length && char.IsAsciiDigit(input[at]))
            {
                at++;
            }

            if (at == start || at == input.Length || at - start > 9)
            {
                throw new InvalidRequestException($"keep-within '{text}' is not a duration; {DurationRule}");
            }

            // At most nine digits a part, so one part cannot overflow; the total is checked after each part.
            var value = long.Parse(input.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture);
            hours += input[at++] switch
            {
                'y' => value * DaysPerYear * 24,
                'm' => value * DaysPerMonth * 24,
                'w' => value * 7 * 24,
                'd' => value * 24,
                'h' => value,
                _ => throw new InvalidRequestException($"keep-within '{text}' has an unknown unit '{input[at - 1]}'; {DurationRule}"),
            };
            if (hours > MaxHours)
            {
                throw new InvalidRequestException($"keep-within '{text}' is longer than 10000 years");
            }
        }

        return TimeSpan.FromHours(hours);
    }

    private const long MaxHours = 10_000L * DaysPerYear * 24;

    /// <summary>A duration in days and hours ("7d", "1d12h", "545d"); minutes and seconds, if any, as "30min" and "15s".</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0h";
        }

        var text = new StringBuilder();
        Append(text, (long)duration.TotalDays, "d");
        Append(text, duration.Hours, "h");
        Append(text, duration.Minutes, "min");
        Append(text, duration.Seconds, "s");
        return text.Length == 0 ? "0h" : text.ToString();
    }

    /// <summary>Parses "node,paths,tags" (any of them, in any order) or "none"; throws <see cref="InvalidRequestException"/> naming a bad part.</summary>
    public static RetentionGrouping ParseGrouping(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return RetentionGrouping.None;
        }

        var grouping = RetentionGrouping.None;
        foreach (var part in text.Split(','))
        {
            grouping |= part.Trim().ToLowerInvariant() switch
            {
                "node" or "host" => RetentionGrouping.Node,
                "paths" or "path" => RetentionGrouping.Paths,
                "tags" or "tag" => RetentionGrouping.Tags,
                _ => throw new InvalidRequestException($"group-by '{text}' is not valid: give node, paths and/or tags separated by commas, or none"),
            };
        }

        return grouping;
    }

    private static void Append(StringBuilder text, long value, string unit)
    {
        if (value > 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
