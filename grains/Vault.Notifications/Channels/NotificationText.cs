using System.Globalization;
using System.Text;

namespace Vault.Notifications;

/// <summary>The human text shared by every channel: a one-line title and a plain-text body.</summary>
public static class NotificationText
{
    public static string Label(OutboxDelivery d) => d.Event.Resolves ? "RESOLVED" : d.Severity.ToString().ToUpperInvariant();

    public static string Title(OutboxDelivery d) => $"[Vault {Label(d)}] {d.Event.Kind} {d.Event.Subject}: {d.Event.Summary}";

    public static IEnumerable<KeyValuePair<string, string>> Facts(OutboxDelivery d, NotificationContext context)
    {
        yield return new("kind", d.Event.Kind);
        yield return new("severity", d.Severity.ToString().ToLowerInvariant());
        yield return new("subject", d.Event.Subject);
        yield return new("node", context.Node);
        yield return new("at", d.Event.At.ToString("u", CultureInfo.InvariantCulture));
        if (d.SuppressedRepeats > 0)
        {
            yield return new("suppressed repeats", d.SuppressedRepeats.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var detail in d.Event.Details.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            yield return detail;
        }
    }

    public static string PlainBody(OutboxDelivery d, NotificationContext context)
    {
        var text = new StringBuilder();
        text.AppendLine(d.Event.Summary).AppendLine();
        foreach (var (key, value) in Facts(d, context))
        {
            text.Append(key).Append(": ").AppendLine(value);
        }

        if (context.StatusPageUrl is { Length: > 0 } page)
        {
            text.AppendLine().Append("Status: ").AppendLine(page);
        }

        return text.ToString();
    }

    public static string Colour(OutboxDelivery d) => d.Event.Resolves ? "#2eb67d" : d.Severity switch
    {
        EventSeverity.Critical => "#e01e5a",
        EventSeverity.Warning => "#ecb22e",
        _ => "#36c5f0",
    };
}
