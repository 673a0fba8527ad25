namespace Vault.Notifications;

/// <summary>
/// Pure routing: which channels an event goes to under the rules, and whether quiet hours hold it.
/// A channel named by several matching rules is sent to once, at the earliest time any of them allows.
/// A channel.failing event never goes to the channel it is about (it could not arrive, and would loop).
/// </summary>
public sealed class NotificationRouter(IReadOnlyDictionary<string, RouteRule> rules)
{
    public IReadOnlyList<RouteTarget> Route(VaultEvent e, EventSeverity severity, DateTimeOffset now)
    {
        var targets = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var rule in rules.Values)
        {
            if (severity < rule.MinSeverity || !AnyMatches(rule.Kinds, e.Kind) || !AnyMatches(rule.Subjects, e.Subject))
            {
                continue;
            }

            var notBefore = rule.QuietHours is { } q && severity < q.Bypass ? QuietUntil(q, now) ?? now : now;
            foreach (var channel in rule.Channels)
            {
                if (e.Kind == EventKinds.ChannelFailing && e.Subject == ChannelSubject(channel))
                {
                    continue;
                }

                targets[channel] = targets.TryGetValue(channel, out var existing) && existing < notBefore ? existing : notBefore;
            }
        }

        return [.. targets.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new RouteTarget(t.Key, t.Value))];
    }

    public static string ChannelSubject(string channel) => "channel:" + channel;

    /// <summary>"*" matches anything, "x.*" / "x:*" a prefix, anything else exactly; an empty list matches anything.</summary>
    public static bool AnyMatches(IReadOnlyList<string> patterns, string value) =>
        patterns.Count == 0 || patterns.Any(p => Matches(p, value));

    public static bool Matches(string pattern, string value) =>
        pattern == "*" || (pattern.EndsWith('*') ? value.StartsWith(pattern[..^1], StringComparison.Ordinal) : pattern == value);

    /// <summary>When the quiet window that contains <paramref name="now"/> ends, or null outside it.</summary>
    public static DateTimeOffset? QuietUntil(QuietHours q, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(q.TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = local.TimeOfDay;
        var crossesMidnight = q.Start > q.End;
        var inside = crossesMidnight ? time >= q.Start || time < q.End : time >= q.Start && time < q.End;
        if (!inside)
        {
            return null;
        }

        var endDate = crossesMidnight && time >= q.Start ? local.Date.AddDays(1) : local.Date;
        var endLocal = endDate + q.End;
        return new DateTimeOffset(endLocal, zone.GetUtcOffset(endLocal)).ToUniversalTime();
    }
}
