using System.Text.Json;

namespace Vault.Notifications;

/// <summary>
/// Slack incoming webhook: a fallback "text" plus one attachment carrying the severity colour and
/// Block Kit blocks (header, summary section with fields, context with the status page link).
/// The webhook URL is the credential: read at send time from UrlFile/UrlEnv, never logged.
/// </summary>
public sealed class SlackChannel(string name, ChannelOptions options, HttpClient http, NotificationContext context) : INotificationChannel
{
    private const int MaxFields = 10;

    public string Name => name;

    public ChannelType Type => ChannelType.Slack;

    public static byte[] Payload(OutboxDelivery d, NotificationContext context)
    {
        var title = NotificationText.Title(d);
        var blocks = new List<object>
        {
            new { type = "header", text = new { type = "plain_text", text = Clip($"{NotificationText.Label(d)}: {d.Event.Kind} {d.Event.Subject}", 150) } },
            new
            {
                type = "section",
                text = new { type = "mrkdwn", text = Clip(d.Event.Summary, 3000) },
                fields = NotificationText.Facts(d, context).Take(MaxFields)
                    .Select(f => new { type = "mrkdwn", text = Clip($"*{f.Key}*\n{f.Value}", 2000) }).ToList(),
            },
        };
        if (context.StatusPageUrl is { Length: > 0 } page)
        {
            blocks.Add(new { type = "context", elements = new object[] { new { type = "mrkdwn", text = $"<{page}|Status page>" } } });
        }

        return JsonSerializer.SerializeToUtf8Bytes(new
        {
            text = Clip(title, 3000),
            attachments = new object[] { new { color = NotificationText.Colour(d), blocks } },
        });
    }

    public async Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        string url;
        try
        {
            url = ChannelSecret.Read(options.UrlFile, options.UrlEnv, $"webhook URL of Slack channel {name}") ?? "";
        }
        catch (ChannelSetupException e)
        {
            return DeliveryResult.Retry(e.Message);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return DeliveryResult.Retry($"the webhook URL of Slack channel {name} is not an absolute URL (from {options.UrlFile ?? options.UrlEnv})");
        }

        return await HttpDelivery.PostAsync(http, uri, Payload(delivery, context), [], options.Timeout, $"Slack channel {name}", cancellationToken).ConfigureAwait(false);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
