using System.Text.Json;
using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

/// <summary>Every event kind, raised and (where it clears) resolved, reaches every kind of channel through the outbox.</summary>
public class EveryKindEveryChannelTests
{
    private const string RoutingKey = "K0123456789abcdef0123456789abcde";

    [Fact]
    public async Task EveryKind_RoutedByWildcard_ReachesSlackPagerDutySmtpAndWebhook()
    {
        using var slack = new SlackFake();
        using var pd = new PagerDutyFake(RoutingKey);
        using var hook = new WebhookReceiver("every-kind-secret");
        using var smtp = await SmtpSink.StartAsync(SmtpSinkMode.StartTls);
        var dir = Directory.CreateTempSubdirectory("vault-every-kind-").FullName;
        string Secret(string name, string value)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, value);
            return path;
        }

        var options = new NotificationOptions
        {
            Channels = new()
            {
                ["slack"] = new ChannelOptions { Type = ChannelType.Slack, UrlFile = Secret("slack", slack.Url) },
                ["pd"] = new ChannelOptions { Type = ChannelType.PagerDuty, Url = pd.Url, SecretFile = Secret("pd", RoutingKey) },
                ["hook"] = new ChannelOptions { Type = ChannelType.Webhook, Url = hook.Url, SecretFile = Secret("hook", "every-kind-secret") },
                ["mail"] = new ChannelOptions
                {
                    Type = ChannelType.Smtp, Host = "127.0.0.1", Port = smtp.Port, UserName = SmtpSink.User, SecretFile = smtp.PasswordFile,
                    CaFile = smtp.CertificateFile, From = "vault@example.org", To = ["ops@example.org"],
                },
            },
            Rules = new() { ["all"] = new RouteRule { Kinds = ["*"], Channels = ["slack", "pd", "hook", "mail"] } },
        };
        var http = new HttpClient();
        using var rig = new NotificationRig(options, (context, time) => options.Channels.Select(c => ChannelFactory.Create(c.Key, c.Value, http, context, time)).ToList(),
            time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow)); // the webhook receiver checks the timestamp against its clock
        var kinds = EventKinds.All.Where(k => k != EventKinds.Test && k != EventKinds.ChannelFailing).ToList();
        // Each kind at one of the three severities in turn, so every channel's severity mapping is checked.
        EventSeverity SeverityOf(string kind) => (EventSeverity)(kinds.IndexOf(kind) % 3);
        foreach (var kind in kinds)
        {
            rig.Hub.Publish(VaultEvent.Raise(kind, SeverityOf(kind), "subject:" + kind, $"{kind} happened", new Dictionary<string, string> { ["k"] = kind }));
            rig.Hub.Publish(VaultEvent.Clear(kind, "subject:" + kind, $"{kind} cleared"));
        }

        // channel.failing goes to the other channels only; raise it about a channel not in the rule.
        rig.Hub.Publish(VaultEvent.Raise(EventKinds.ChannelFailing, EventSeverity.Critical, "channel:elsewhere", "a channel fails"));
        await rig.DrainAsync();
        Directory.Delete(dir, recursive: true);

        var expected = kinds.Append(EventKinds.ChannelFailing).Order().ToList();
        Assert.Equal(0, rig.Hub.Status().DeadLettered);
        Assert.Equal(expected, slack.Accepted.Select(m => m.GetProperty("text").GetString()!.Split(' ')[2]).Distinct().Order());
        Assert.Equal(expected, hook.Verified.Select(r => r.Headers["X-Vault-Event"]).Distinct().Order());
        Assert.Equal(expected, smtp.Messages().Select(m => m.Headers["X-Vault-Event"]).Distinct().Order());
        Assert.Equal(expected.Count, pd.Accepted.Count(e => e.GetProperty("event_action").GetString() == "trigger"));
        Assert.Equal(kinds.Count, pd.Accepted.Count(e => e.GetProperty("event_action").GetString() == "resolve"));
        Assert.Equal(2 * kinds.Count + 1, slack.Accepted.Count);
        Assert.Equal(kinds.Count, hook.Verified.Count(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("status").GetString() == "resolved"));

        // Severity mapping per channel, for every raised kind.
        string Lower(string kind) => SeverityOf(kind).ToString().ToLowerInvariant();
        foreach (var trigger in pd.Accepted.Where(e => e.GetProperty("event_action").GetString() == "trigger" && e.GetProperty("payload").GetProperty("class").GetString() != EventKinds.ChannelFailing))
        {
            var payload = trigger.GetProperty("payload");
            Assert.Equal(Lower(payload.GetProperty("class").GetString()!), payload.GetProperty("severity").GetString());
        }

        var colours = new Dictionary<EventSeverity, string> { [EventSeverity.Critical] = "#e01e5a", [EventSeverity.Warning] = "#ecb22e", [EventSeverity.Info] = "#36c5f0" };
        foreach (var message in slack.Accepted)
        {
            var words = message.GetProperty("text").GetString()!.Split(' ');
            var colour = message.GetProperty("attachments")[0].GetProperty("color").GetString();
            var expectedColour = words[1] == "RESOLVED]" ? "#2eb67d" : words[2] == EventKinds.ChannelFailing ? colours[EventSeverity.Critical] : colours[SeverityOf(words[2])];
            Assert.True(expectedColour == colour, $"{words[2]} {words[1]}: colour {colour}, expected {expectedColour}");
        }

        foreach (var r in hook.Verified.Where(r => r.Headers["X-Vault-Event"] != EventKinds.ChannelFailing))
        {
            var json = JsonDocument.Parse(r.Body).RootElement;
            if (json.GetProperty("status").GetString() == "triggered")
            {
                Assert.Equal(Lower(json.GetProperty("kind").GetString()!), json.GetProperty("severity").GetString());
            }
        }

        foreach (var m in smtp.Messages().Where(m => m.Headers["X-Vault-Event"] != EventKinds.ChannelFailing && !m.Subject!.Contains("RESOLVED", StringComparison.Ordinal)))
        {
            Assert.Equal(Lower(m.Headers["X-Vault-Event"]!), m.Headers["X-Vault-Severity"]!.ToLowerInvariant());
        }
    }
}
