namespace Vault.Notifications.Tests;

public class NotificationThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    public static TheoryData<string, string, int, bool, ThrottleAction, int, string> Cases => new()
    {
        // prior entry (none | sent@minutes,suppressed,active,severity), event (raise:severity | clear), at minute,
        // expect: action, suppressed-before reported, remembered entry afterwards (none | suppressed,active)
        { "none", "raise:Warning", 0, false, ThrottleAction.Send, 0, "0,True" },
        { "0,0,True,Warning", "raise:Warning", 10, false, ThrottleAction.Suppress, 0, "1,True" },
        { "0,4,True,Warning", "raise:Warning", 29, false, ThrottleAction.Suppress, 0, "5,True" },
        { "0,4,True,Warning", "raise:Warning", 30, false, ThrottleAction.Send, 4, "0,True" },
        { "0,4,True,Warning", "raise:Critical", 5, false, ThrottleAction.Send, 4, "0,True" },
        { "0,2,True,Critical", "raise:Warning", 5, false, ThrottleAction.Suppress, 0, "3,True" },
        { "0,2,True,Warning", "clear", 5, true, ThrottleAction.SendResolve, 2, "none" },
        { "none", "clear", 5, true, ThrottleAction.Ignore, 0, "none" },
        { "0,0,False,Warning", "clear", 5, true, ThrottleAction.Ignore, 0, "none" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Table(string prior, string ev, int minute, bool resolves, ThrottleAction action, int suppressedBefore, string next)
    {
        ThrottleEntry? entry = null;
        if (prior != "none")
        {
            var p = prior.Split(',');
            entry = new ThrottleEntry("backup.failed", "node:n1", Enum.Parse<EventSeverity>(p[3]), T0.AddMinutes(int.Parse(p[0])), int.Parse(p[1]), bool.Parse(p[2]));
        }

        var e = ev == "clear"
            ? VaultEvent.Clear("backup.failed", "node:n1", "ok")
            : VaultEvent.Raise("backup.failed", Enum.Parse<EventSeverity>(ev.Split(':')[1]), "node:n1", "failed");
        Assert.Equal(resolves, e.Resolves);
        var d = NotificationThrottle.Decide(entry, e, T0.AddMinutes(minute), Window);
        Assert.Equal(action, d.Action);
        Assert.Equal(suppressedBefore, d.SuppressedBefore);
        Assert.Equal(next, d.Next is null ? "none" : $"{d.Next.Suppressed},{d.Next.Active}");
    }

    [Fact]
    public void Decide_ResolveKeepsOriginalSeverity_ForRouting()
    {
        var entry = new ThrottleEntry("node.down", "node:n2", EventSeverity.Critical, T0, 0, true);
        var d = NotificationThrottle.Decide(entry, VaultEvent.Clear("node.down", "node:n2", "back"), T0.AddHours(2), Window);
        Assert.Equal(EventSeverity.Critical, d.Severity);
    }
}
