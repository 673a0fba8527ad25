using System.Globalization;

namespace Vault.Grains.Schedules;

/// <summary>
/// A 5-field cron expression — minute hour day-of-month month day-of-week — evaluated in UTC to the
/// minute. A field is <c>*</c> or a comma list of numbers, ranges (<c>1-5</c>) and steps (<c>*/15</c>,
/// <c>0-30/10</c>, <c>5/15</c> = 5 to the end by 15); months and days of week also take three-letter
/// English names (JAN, MON). Day of week 0 and 7 are Sunday. As in Vixie cron, when both day fields
/// are restricted (neither starts with <c>*</c>) a day matching either one matches.
/// </summary>
public sealed class CronExpression
{
    /// <summary>How far <see cref="Next"/> looks: covers Feb 29 across a skipped leap year (2096 → 2104).</summary>
    private const int SearchYears = 9;

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly Field[] Fields =
    [
        new("minute", 0, 59, null),
        new("hour", 0, 23, null),
        new("day-of-month", 1, 31, null),
        new("month", 1, 12, MonthNames),
        new("day-of-week", 0, 7, DayNames),
    ];

    private readonly ulong[] _bits;
    private readonly bool _anyDayOfMonth;
    private readonly bool _anyDayOfWeek;

    private CronExpression(string text, ulong[] bits, bool anyDayOfMonth, bool anyDayOfWeek)
    {
        Text = text;
        _bits = bits;
        _anyDayOfMonth = anyDayOfMonth;
        _anyDayOfWeek = anyDayOfWeek;
    }

    public string Text { get; }

    /// <summary>Parses an expression; <see cref="FormatException"/> names the field and value at fault.</summary>
    public static CronExpression Parse(string text) =>
        TryParse(text, out var cron, out var error) ? cron : throw new FormatException(error);

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CronExpression? cron, out string error)
    {
        cron = null;
        var parts = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Fields.Length)
        {
            error = $"expected 5 fields (minute hour day-of-month month day-of-week), found {parts.Length}";
            return false;
        }

        var bits = new ulong[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            if (!Fields[i].TryParse(parts[i], out bits[i], out error))
            {
                return false;
            }
        }

        // Day of week 7 is Sunday, like 0.
        if ((bits[4] & (1UL << 7)) != 0)
        {
            bits[4] = (bits[4] & ~(1UL << 7)) | 1;
        }

        var parsed = new CronExpression(string.Join(' ', parts), bits, parts[2].StartsWith('*'), parts[4].StartsWith('*'));
        if (parsed.Next(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            error = $"'{parsed.Text}' matches no date (day-of-month {parts[2]} never falls in month {parts[3]})";
            return false;
        }

        cron = parsed;
        error = "";
        return true;
    }

    /// <summary>The first matching minute strictly after <paramref name="after"/> (UTC); null when none comes within nine years.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var t = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc).AddMinutes(1);
        var limit = t.AddYears(SearchYears);
        while (t < limit)
        {
            if (!Has(3, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
            }
            else if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
            }
            else if (!Has(1, t.Hour))
            {
                t = t.Date.AddHours(t.Hour + 1);
            }
            else if (!Has(0, t.Minute))
            {
                t = t.AddMinutes(1);
            }
            else
            {
                return new DateTimeOffset(t, TimeSpan.Zero);
            }
        }

        return null;
    }

    public override string ToString() => Text;

    private bool Has(int field, int value) => (_bits[field] & (1UL << value)) != 0;

    private bool DayMatches(DateTime t)
    {
        var dayOfMonth = Has(2, t.Day);
        var dayOfWeek = Has(4, (int)t.DayOfWeek);
        return _anyDayOfMonth || _anyDayOfWeek ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
    }

    private sealed record Field(string Name, int Min, int Max, string[]? Names)
    {
        public bool TryParse(string text, out ulong bits, out string error)
        {
            bits = 0;
            foreach (var item in text.Split(','))
            {
                if (!TryParseItem(item, ref bits, out error))
                {
                    return false;
                }
            }

            error = "";
            return true;
        }

        private bool TryParseItem(string item, ref ulong bits, out string error)
        {
            var slash = item.IndexOf('/');
            var range = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > Max))
            {
                error = $"{Name} field '{item}' has step '{item[(slash + 1)..]}'; a step must be a number from 1 to {Max}";
                return false;
            }

            int low, high;
            if (range == "*")
            {
                (low, high) = (Min, Max);
            }
            else
            {
                var dash = range.Length > 1 ? range.IndexOf('-', 1) : -1;
                if (!TryValue(dash < 0 ? range : range[..dash], item, out low, out error))
                {
                    return false;
                }

                high = dash < 0 ? (slash < 0 ? low : Max) : 0;
                if (dash >= 0 && !TryValue(range[(dash + 1)..], item, out high, out error))
                {
                    return false;
                }

                if (high < low)
                {
                    error = $"{Name} field '{item}' is a reversed range; write the lower bound first";
                    return false;
                }
            }

            for (var v = low; v <= high; v += step)
            {
                bits |= 1UL << v;
            }

            error = "";
            return true;
        }

        private bool TryValue(string text, string item, out int value, out string error)
        {
            error = "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                if (value >= Min && value <= Max)
                {
                    return true;
                }

                error = $"{Name} field '{item}' has {value}, out of range {Min}-{Max}";
                return false;
            }

            var named = Names is null ? -1 : Array.FindIndex(Names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (named >= 0)
            {
                value = named + Min;
                return true;
            }

            error = Names is null
                ? $"{Name} field '{item}' is not a number, '*', a range or a step"
                : $"{Name} field '{item}' is not a number, a name ({Names[0]}…{Names[^1]}), '*', a range or a step";
            return false;
        }
    }
}
