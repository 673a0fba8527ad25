using System.Text;
using System.Text.Json;
using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

public class ChannelTests
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcde";
    private static readonly NotificationContext Context = new("n1", "http://127.0.0.1:9/status");
    private static readonly HttpClient Http = new();

    private static OutboxDelivery Delivery(bool resolves = false, EventSeverity severity = EventSeverity.Critical, int suppressed = 0)
    {
        var e = resolves
            ? VaultEvent.Clear(EventKinds.BackupFailed, "node:n1", "backup of /data succeeded again", DateTimeOffset.UtcNow)
            : VaultEvent.Raise(EventKinds.BackupFailed, severity, "node:n1", "backup of /data failed: path not found",
                new Dictionary<string, string> { ["job"] = "J1", ["error"] = "'/data' does not exist" }, DateTimeOffset.UtcNow);
        return new OutboxDelivery(Guid.NewGuid().ToString("N"), "c", e, severity, suppressed, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
    }

    private static string SecretFile(string value)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, value + "\n");
        return path;
    }

    [Fact]
    public async Task Slack_ValidBlockKit_Accepted_429RetryAfter_WrongUrlRejected()
    {
        using var slack = new SlackFake();
        var urlFile = SecretFile(slack.Url);
        var channel = new SlackChannel("ops", new ChannelOptions { Type = ChannelType.Slack, UrlFile = urlFile }, Http, Context);

        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Delivery(suppressed: 3), CancellationToken.None));
        var message = Assert.Single(slack.Accepted);
        var attachment = message.GetProperty("attachments")[0];
        Assert.Equal("#e01e5a", attachment.GetProperty("color").GetString());
        var blocks = attachment.GetProperty("blocks");
        Assert.Equal("CRITICAL: backup.failed node:n1", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Contains("*suppressed repeats*\n3", blocks[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()));
        Assert.Equal("<http://127.0.0.1:9/status|Status page>", blocks[2].GetProperty("elements")[0].GetProperty("text").GetString());

        slack.Script.Enqueue(SlackFake.RateLimited(30));
        var limited = await channel.SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal((DeliveryOutcome.Retry, TimeSpan.FromSeconds(30)), (limited.Outcome, limited.RetryAfter));

        File.WriteAllText(urlFile, slack.Url.Replace("XXXXSECRETXXXX", "WRONG", StringComparison.Ordinal));
        var wrong = await channel.SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Rejected, wrong.Outcome);
        Assert.Contains("HTTP 404: no_service", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("WRONG", wrong.Error, StringComparison.Ordinal);
        File.Delete(urlFile);
    }

    [Fact]
    public async Task Slack_SecretMissing_RetryNamingTheVariableNotTheValue()
    {
        var channel = new SlackChannel("ops", new ChannelOptions { Type = ChannelType.Slack, UrlEnv = "VAULT_TEST_SLACK_URL_UNSET" }, Http, Context);
        var r = await channel.SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Retry, r.Outcome);
        Assert.Contains("VAULT_TEST_SLACK_URL_UNSET is not set", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagerDuty_TriggerThenResolve_SameDedupKey_SeverityMapped()
    {
        using var pd = new PagerDutyFake(RoutingKey);
        var key = SecretFile(RoutingKey);
        var channel = new PagerDutyChannel("pd", new ChannelOptions { Type = ChannelType.PagerDuty, Url = pd.Url, SecretFile = key }, Http, Context);

        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Delivery(severity: EventSeverity.Warning), CancellationToken.None));
        var dedup = PagerDutyChannel.DedupKey(Delivery().Event);
        Assert.Equal("triggered", pd.Incidents[dedup]);
        var trigger = pd.Accepted.Single();
        Assert.Equal("warning", trigger.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Equal("n1", trigger.GetProperty("payload").GetProperty("source").GetString());

        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(Delivery(resolves: true), CancellationToken.None));
        Assert.Equal("resolved", pd.Incidents[dedup]);
        Assert.Single(pd.Incidents);
        File.Delete(key);
    }

    [Fact]
    public async Task PagerDuty_InvalidEvent_400Rejected_429Retried()
    {
        using var pd = new PagerDutyFake(RoutingKey);
        var shortKey = SecretFile("too-short");
        var channel = new PagerDutyChannel("pd", new ChannelOptions { Type = ChannelType.PagerDuty, Url = pd.Url, SecretFile = shortKey }, Http, Context);
        var r = await channel.SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Rejected, r.Outcome);
        Assert.Contains("HTTP 400", r.Error, StringComparison.Ordinal);
        Assert.Contains("routing_key", r.Error, StringComparison.Ordinal);

        File.WriteAllText(shortKey, RoutingKey);
        pd.Script.Enqueue(new FakeAnswer(429, "{\"status\":\"throttle event\"}", "application/json"));
        Assert.Equal(DeliveryOutcome.Retry, (await channel.SendAsync(Delivery(), CancellationToken.None)).Outcome);
        File.Delete(shortKey);
    }

    [Fact]
    public async Task Webhook_SignedWithTimestamp_VerifiedByReceiver_WrongSecret401()
    {
        const string secret = "hook-secret";
        using var hook = new WebhookReceiver(secret);
        var file = SecretFile(secret);
        var channel = new WebhookChannel("hook", new ChannelOptions { Type = ChannelType.Webhook, Url = hook.Url, SecretFile = file }, Http, Context, TimeProvider.System);
        var d = Delivery();
        Assert.Equal(DeliveryResult.Delivered, await channel.SendAsync(d, CancellationToken.None));
        var received = hook.Verified.Single();
        Assert.Equal(d.Id, received.Headers["X-Vault-Delivery"]);
        Assert.Equal(EventKinds.BackupFailed, received.Headers["X-Vault-Event"]);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(("triggered", "critical", "node:n1"), (body.GetProperty("status").GetString(), body.GetProperty("severity").GetString(), body.GetProperty("subject").GetString()));

        // A replay of the same bytes with an old timestamp fails verification.
        var old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        Assert.False(WebhookSignature.Verify(Encoding.UTF8.GetBytes(secret), old.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Body,
            WebhookSignature.Sign(Encoding.UTF8.GetBytes(secret), old, received.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        File.WriteAllText(file, "not-the-secret");
        var r = await channel.SendAsync(d, CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Rejected, r.Outcome);
        Assert.DoesNotContain("not-the-secret", r.Error, StringComparison.Ordinal);
        File.Delete(file);
    }

    [Theory]
    [InlineData(SmtpSinkMode.StartTls, SmtpSecurity.StartTls)]
    [InlineData(SmtpSinkMode.Tls, SmtpSecurity.Tls)]
    [InlineData(SmtpSinkMode.Plain, SmtpSecurity.None)]
    public async Task Smtp_RealServer_HeadersAndBothParts(SmtpSinkMode mode, SmtpSecurity security)
    {
        using var sink = await SmtpSink.StartAsync(mode);
        var options = new ChannelOptions
        {
            Type = ChannelType.Smtp,
            Host = "127.0.0.1",
            Port = sink.Port,
            Security = security,
            From = "vault@example.org",
            To = ["ops@example.org", "oncall@example.org"],
            UserName = mode == SmtpSinkMode.Plain ? null : SmtpSink.User,
            SecretFile = mode == SmtpSinkMode.Plain ? null : sink.PasswordFile,
            CaFile = mode == SmtpSinkMode.Plain ? null : sink.CertificateFile,
        };
        var d = Delivery(suppressed: 2);
        var r = await new SmtpChannel("mail", options, Context).SendAsync(d, CancellationToken.None);
        Assert.Equal(DeliveryResult.Delivered, r);

        var message = Assert.Single(sink.Messages());
        Assert.Equal("[Vault CRITICAL] backup.failed node:n1: backup of /data failed: path not found", message.Subject);
        Assert.Equal("vault@example.org", message.From.Mailboxes.Single().Address);
        Assert.Equal(["ops@example.org", "oncall@example.org"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(d.Id, message.Headers["X-Vault-Delivery"]);
        Assert.Equal(mode == SmtpSinkMode.Plain ? "no" : "yes", message.Headers["X-Sink-Tls"]);
        Assert.Equal(mode == SmtpSinkMode.Plain ? "no" : "yes", message.Headers["X-Sink-Auth"]);
        Assert.Equal("ops@example.org,oncall@example.org", message.Headers["X-Sink-Rcpt"]);
        Assert.Contains("suppressed repeats: 2", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Status: http://127.0.0.1:9/status", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("<th align=\"left\">error</th><td>&#39;/data&#39; does not exist</td>", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_WrongPassword_RetryNamingUserNotPassword()
    {
        using var sink = await SmtpSink.StartAsync(SmtpSinkMode.StartTls);
        var wrong = SecretFile("wrong-password-123");
        var options = new ChannelOptions
        {
            Type = ChannelType.Smtp, Host = "127.0.0.1", Port = sink.Port, From = "vault@example.org", To = ["ops@example.org"],
            UserName = SmtpSink.User, SecretFile = wrong, CaFile = sink.CertificateFile,
        };
        var r = await new SmtpChannel("mail", options, Context).SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Retry, r.Outcome);
        Assert.Contains(SmtpSink.User, r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", r.Error, StringComparison.Ordinal);
        Assert.Empty(sink.Messages());
        File.Delete(wrong);
    }

    [Fact]
    public async Task Smtp_UntrustedCertificate_Refused()
    {
        using var sink = await SmtpSink.StartAsync(SmtpSinkMode.StartTls);
        var options = new ChannelOptions
        {
            Type = ChannelType.Smtp, Host = "127.0.0.1", Port = sink.Port, From = "vault@example.org", To = ["ops@example.org"],
            UserName = SmtpSink.User, SecretFile = sink.PasswordFile,
        };
        var r = await new SmtpChannel("mail", options, Context).SendAsync(Delivery(), CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Retry, r.Outcome);
        Assert.Empty(sink.Messages());
    }
}
