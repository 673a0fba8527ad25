namespace Vault.Notifications.Tests;

public class NotificationRouterTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, RouteRule> Rules = new()
    {
        ["pages"] = new RouteRule { MinSeverity = EventSeverity.Critical, Channels = ["pd"] },
        ["backups"] = new RouteRule { Kinds = ["backup.*", "schedule.gave-up"], MinSeverity = EventSeverity.Warning, Channels = ["slack", "mail"] },
        ["nodes"] = new RouteRule { Kinds = ["node.*"], Subjects = ["node:n1", "node:edge-*"], Channels = ["slack"] },
        ["night"] = new RouteRule
        {
            Kinds = ["scrub.damage"],
            Channels = ["mail"],
            QuietHours = new QuietHours { Start = TimeSpan.FromHours(22), End = TimeSpan.FromHours(7), Bypass = EventSeverity.Critical },
        },
        ["everything"] = new RouteRule { Kinds = ["*"], Channels = ["hook"] },
    };

    public static TheoryData<string, EventSeverity, string, int, string> Cases => new()
    {
        // kind, severity, subject, hour (UTC), expected "channel@hold-hours" list
        { "backup.failed", EventSeverity.Warning, "node:n1", 12, "hook mail slack" },
        { "backup.failed", EventSeverity.Critical, "node:n1", 12, "hook mail pd slack" },
        { "backup.failed", EventSeverity.Info, "node:n1", 12, "hook" },
        { "schedule.gave-up", EventSeverity.Warning, "schedule:nightly", 12, "hook mail slack" },
        { "node.down", EventSeverity.Warning, "node:n1", 12, "hook slack" },
        { "node.down", EventSeverity.Warning, "node:edge-7", 12, "hook slack" },
        { "node.down", EventSeverity.Warning, "node:n2", 12, "hook" },
        { "scrub.damage", EventSeverity.Warning, "pack:ab", 12, "hook mail" },
        { "scrub.damage", EventSeverity.Warning, "pack:ab", 23, "hook mail@8" },
        { "scrub.damage", EventSeverity.Warning, "pack:ab", 3, "hook mail@4" },
        { "scrub.damage", EventSeverity.Critical, "pack:ab", 23, "hook mail pd" },
        { "scrub.damage", EventSeverity.Warning, "pack:ab", 7, "hook mail" },
        { "channel.failing", EventSeverity.Critical, "channel:pd", 12, "hook" },
        { "channel.failing", EventSeverity.Critical, "channel:hook", 12, "pd" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Route_RulesKindsSeveritySubjectsQuietHours_ChannelsAndHolds(string kind, EventSeverity severity, string subject, int hour, string expected)
    {
        var now = Noon.Date + TimeSpan.FromHours(hour);
        var at = new DateTimeOffset(now, TimeSpan.Zero);
        var targets = new NotificationRouter(Rules).Route(VaultEvent.Raise(kind, severity, subject, "x"), severity, at);
        var shown = string.Join(" ", targets.Select(t => t.NotBefore == at ? t.Channel : $"{t.Channel}@{(t.NotBefore - at).TotalHours:0}"));
        Assert.Equal(expected, shown);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("backup.*", "backup.failed", true)]
    [InlineData("backup.*", "backups.failed", false)]
    [InlineData("node:n1", "node:n10", false)]
    [InlineData("node:n*", "node:n10", true)]
    public void Matches_Patterns(string pattern, string value, bool expected) => Assert.Equal(expected, NotificationRouter.Matches(pattern, value));

    [Fact]
    public void QuietUntil_TimeZone_EndsAtLocalEnd()
    {
        var q = new QuietHours { Start = TimeSpan.FromHours(22), End = TimeSpan.FromHours(6), TimeZone = "Europe/Berlin" };
        // 21:30 UTC in December = 22:30 in Berlin (UTC+1): quiet until 06:00 Berlin = 05:00 UTC.
        var until = NotificationRouter.QuietUntil(q, new DateTimeOffset(2026, 12, 3, 21, 30, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 5, 0, 0, TimeSpan.Zero), until);
        Assert.Null(NotificationRouter.QuietUntil(q, new DateTimeOffset(2026, 12, 3, 20, 30, 0, TimeSpan.Zero)));
    }
}
