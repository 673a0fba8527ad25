using Vault.Retention;

namespace Vault.Grains.Tests;

/// <summary>The duration and grouping syntax users type, parsed once for every surface.</summary>
public sealed class RetentionSyntaxTests
{
    [Theory]
    [InlineData("7d", 7 * 24)]
    [InlineData("12h", 12)]
    [InlineData("2w", 14 * 24)]
    [InlineData("1y6m", (365 + 180) * 24)]
    [InlineData("1d12h", 36)]
    [InlineData(" 3d ", 3 * 24)]
    [InlineData("0h", 0)]
    public void ParseDuration_Valid_IsFixedLength(string text, long hours)
    {
        Assert.Equal(TimeSpan.FromHours(hours), RetentionSyntax.ParseDuration(text));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("7", "is not a duration")]
    [InlineData("d", "is not a duration")]
    [InlineData("-7d", "is not a duration")]
    [InlineData("1.5d", "unknown unit '.'")]
    [InlineData("7x", "unknown unit 'x'")]
    [InlineData("7D", "unknown unit 'D'")]
    [InlineData("1234567890d", "is not a duration")]
    [InlineData("999999999y", "longer than 10000 years")]
    public void ParseDuration_Invalid_IsRefusedNamingTheText(string text, string message)
    {
        var e = Assert.Throws<InvalidRequestException>(() => RetentionSyntax.ParseDuration(text));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("keep-within", e.Message);
    }

    [Theory]
    [InlineData(7 * 24 * 60, "7d")]
    [InlineData(36 * 60, "1d12h")]
    [InlineData(545 * 24 * 60, "545d")]
    [InlineData(90, "1h30min")]
    [InlineData(0, "0h")]
    public void FormatDuration_DaysAndHours(long minutes, string expected)
    {
        Assert.Equal(expected, RetentionSyntax.FormatDuration(TimeSpan.FromMinutes(minutes)));
    }

    [Theory]
    [InlineData("node,paths", RetentionGrouping.Node | RetentionGrouping.Paths)]
    [InlineData("tags", RetentionGrouping.Tags)]
    [InlineData(" paths , tags,node", RetentionGrouping.Node | RetentionGrouping.Paths | RetentionGrouping.Tags)]
    [InlineData("host", RetentionGrouping.Node)]
    [InlineData("none", RetentionGrouping.None)]
    public void ParseGrouping_Valid(string text, RetentionGrouping expected)
    {
        Assert.Equal(expected, RetentionSyntax.ParseGrouping(text));
    }

    [Theory]
    [InlineData("node,")]
    [InlineData("time")]
    [InlineData("")]
    public void ParseGrouping_Invalid_IsRefused(string text)
    {
        var e = Assert.Throws<InvalidRequestException>(() => RetentionSyntax.ParseGrouping(text));
        Assert.Contains($"group-by '{text}'", e.Message);
    }
}
