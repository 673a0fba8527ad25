using System.Globalization;
using Vault.Grains.Schedules;

namespace Vault.Grains.Tests;

public sealed class CronExpressionTests
{
    private static DateTimeOffset T(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static TheoryData<string, string, string> Occurrences => new()
    {
        // expression, after (UTC), the next occurrence (UTC)
        { "* * * * *", "2025-03-10 10:15:30", "2025-03-10 10:16:00" },
        { "* * * * *", "2025-03-10 10:15:00", "2025-03-10 10:16:00" }, // strictly after
        { "30 2 * * *", "2025-03-10 01:00:00", "2025-03-10 02:30:00" },
        { "30 2 * * *", "2025-03-10 02:30:00", "2025-03-11 02:30:00" },
        { "30 2 * * *", "2025-12-31 03:00:00", "2026-01-01 02:30:00" }, // over the year's end
        { "*/15 * * * *", "2025-03-10 10:16:00", "2025-03-10 10:30:00" },
        { "*/15 * * * *", "2025-03-10 10:45:00", "2025-03-10 11:00:00" },
        { "0-30/10 9 * * *", "2025-03-10 09:21:00", "2025-03-10 09:30:00" },
        { "0-30/10 9 * * *", "2025-03-10 09:31:00", "2025-03-11 09:00:00" },
        { "5/20 * * * *", "2025-03-10 09:46:00", "2025-03-10 10:05:00" },
        { "0 8,12,18 * * *", "2025-03-10 12:00:00", "2025-03-10 18:00:00" },
        { "0 0 1 * *", "2025-01-31 12:00:00", "2025-02-01 00:00:00" },
        { "0 0 31 * *", "2025-04-01 00:00:00", "2025-05-31 00:00:00" }, // April has no 31st
        { "0 0 29 2 *", "2025-03-01 00:00:00", "2028-02-29 00:00:00" }, // the next leap day
        { "0 12 * * MON-FRI", "2025-03-08 00:00:00", "2025-03-10 12:00:00" }, // Saturday → Monday
        { "0 12 * * 1-5", "2025-03-14 12:00:00", "2025-03-17 12:00:00" }, // Friday noon → Monday
        { "0 0 * * 0", "2025-03-10 00:00:00", "2025-03-16 00:00:00" }, // Sunday as 0
        { "0 0 * * 7", "2025-03-10 00:00:00", "2025-03-16 00:00:00" }, // Sunday as 7
        { "0 0 * * sun", "2025-03-10 00:00:00", "2025-03-16 00:00:00" }, // names in any case
        { "0 6 * JAN,JUL *", "2025-02-01 00:00:00", "2025-07-01 06:00:00" },
        // Both day fields restricted: either matches (the 13th, or a Friday).
        { "0 0 13 * 5", "2025-03-10 00:00:00", "2025-03-13 00:00:00" },
        { "0 0 13 * 5", "2025-03-13 00:00:00", "2025-03-14 00:00:00" },
        // A day field starting with '*' (even with a step) does not widen the other one.
        { "0 0 */2 * 5", "2025-03-10 00:00:00", "2025-03-21 00:00:00" },
        { "59 23 31 12 *", "2025-06-01 00:00:00", "2025-12-31 23:59:00" },
    };

    [Theory]
    [MemberData(nameof(Occurrences))]
    public void Next_IsTheFirstMatchingMinuteAfter(string expression, string after, string expected)
    {
        var next = CronExpression.Parse(expression).Next(T(after));
        Assert.Equal(T(expected), next);
    }

    [Fact]
    public void Next_IsComputedInUtcWhateverTheOffsetOfTheInput()
    {
        var after = new DateTimeOffset(2025, 3, 10, 4, 0, 0, TimeSpan.FromHours(5)); // 2025-03-09 23:00 UTC
        Assert.Equal(T("2025-03-10 02:30:00"), CronExpression.Parse("30 2 * * *").Next(after));
    }

    [Theory]
    [InlineData("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4")]
    [InlineData("* * * * * *", "found 6")]
    [InlineData("", "found 0")]
    [InlineData("61 * * * *", "minute field '61' has 61, out of range 0-59")]
    [InlineData("0 24 * * *", "hour field '24' has 24, out of range 0-23")]
    [InlineData("0 0 0 * *", "day-of-month field '0' has 0, out of range 1-31")]
    [InlineData("0 0 * 13 *", "month field '13' has 13, out of range 1-12")]
    [InlineData("0 0 * * 8", "day-of-week field '8' has 8, out of range 0-7")]
    [InlineData("*/0 * * * *", "minute field '*/0' has step '0'")]
    [InlineData("*/x * * * *", "minute field '*/x' has step 'x'")]
    [InlineData("0 5-2 * * *", "hour field '5-2' is a reversed range")]
    [InlineData("0 0 * * FUNDAY", "day-of-week field 'FUNDAY' is not a number, a name (SUN…SAT)")]
    [InlineData("0 0 * FOO *", "month field 'FOO' is not a number, a name (JAN…DEC)")]
    [InlineData("a * * * *", "minute field 'a' is not a number, '*', a range or a step")]
    [InlineData("1,,2 * * * *", "minute field '' is not a number")]
    [InlineData("-5 * * * *", "minute field '-5' is not a number")]
    [InlineData("0 0 30 2 *", "'0 0 30 2 *' matches no date")]
    public void Parse_Invalid_NamesTheFieldAndValue(string expression, string expected)
    {
        Assert.False(CronExpression.TryParse(expression, out var cron, out var error));
        Assert.Null(cron);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<FormatException>(() => CronExpression.Parse(expression));
        Assert.Equal(error, thrown.Message);
    }

    [Fact]
    public void Parse_NormalizesWhitespace()
    {
        Assert.Equal("30 2 * * *", CronExpression.Parse("  30   2 * *\t* ").Text);
    }
}
