using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vault.EndToEnd.Tests;
using Vault.Failover.Tests.Infrastructure;
using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

/// <summary>
/// Notifications through a real silo process: a scheduled backup of a path that disappears reaches Slack,
/// email (a real SMTP server) and PagerDuty once, a repeat inside the window is suppressed and counted,
/// recovery resolves; a silo killed with undelivered notifications delivers them after its restart.
/// </summary>
public sealed partial class NotificationEndToEndTests : TempRootTests
{
    private const string RoutingKey = "E2E0123456789abcdef0123456789abc";

    [Fact]
    public async Task ScheduledBackupOfVanishedPath_NotifiedOnceSuppressedResolved_SurvivesKillWithUndelivered()
    {
        using var slack = new SlackFake();
        using var pd = new PagerDutyFake(RoutingKey);
        using var smtp = await SmtpSink.StartAsync(SmtpSinkMode.StartTls);
        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "data");
        var slackUrl = Path.Combine(Root, "slack-url");
        await File.WriteAllTextAsync(slackUrl, slack.Url + "\n");
        var pdKey = Path.Combine(Root, "pd-key");
        await File.WriteAllTextAsync(pdKey, RoutingKey + "\n");
        string[] config =
        [
            "--Vault:Schedules:nightly:Kind=Backup", $"--Vault:Schedules:nightly:Paths:0={source}", "--Vault:Schedules:nightly:Cron=0 3 1 1 *",
            "--Vault:Schedules:nightly:MaxRetries=0",
            "--Vault:Notifications:StatusPageUrl=http://127.0.0.1:9/status", "--Vault:Notifications:DedupWindow=01:00:00",
            "--Vault:Notifications:InitialBackoff=00:00:01", "--Vault:Notifications:MaxBackoff=00:00:02",
            "--Vault:Notifications:Channels:slack:Type=Slack", $"--Vault:Notifications:Channels:slack:UrlFile={slackUrl}",
            "--Vault:Notifications:Channels:pd:Type=PagerDuty", $"--Vault:Notifications:Channels:pd:Url={pd.Url}", $"--Vault:Notifications:Channels:pd:SecretFile={pdKey}",
            "--Vault:Notifications:Channels:mail:Type=Smtp", "--Vault:Notifications:Channels:mail:Host=127.0.0.1",
            $"--Vault:Notifications:Channels:mail:Port={smtp.Port}", "--Vault:Notifications:Channels:mail:Security=StartTls",
            $"--Vault:Notifications:Channels:mail:UserName={SmtpSink.User}", $"--Vault:Notifications:Channels:mail:SecretFile={smtp.PasswordFile}",
            $"--Vault:Notifications:Channels:mail:CaFile={smtp.CertificateFile}",
            "--Vault:Notifications:Channels:mail:From=vault@example.org", "--Vault:Notifications:Channels:mail:To:0=ops@example.org",
            "--Vault:Notifications:Rules:backups:Kinds:0=backup.*", "--Vault:Notifications:Rules:backups:Kinds:1=schedule.*",
            "--Vault:Notifications:Rules:backups:Channels:0=slack", "--Vault:Notifications:Rules:backups:Channels:1=mail", "--Vault:Notifications:Rules:backups:Channels:2=pd",
        ];
        string[] failed = ["backup.failed", "schedule.gave-up"];
        var data = Path.Combine(Root, "data");
        var silo = new SiloProcess(data) { ExtraArguments = [.. config] };
        await using (silo)
        {
            await silo.StartAsync();

            // 1. The path disappears: the scheduled backup is refused (no such path): backup.failed about the node; the
            // schedule gives up (no retries): schedule.gave-up. Each reaches Slack, email and PagerDuty once.
            Directory.Delete(source, recursive: true);
            await RunScheduleAsync(silo, expectedFailures: 1);
            await Wait.UntilAsync(() => Task.FromResult((slack.Accepted.Count, smtp.Messages().Count, pd.Accepted.Count)), c => c == (2, 2, 2),
                TimeSpan.FromSeconds(60), "backup.failed and schedule.gave-up on Slack, email and PagerDuty", c => $"{c}; silo log: {Tail(silo.Log)}");
            Assert.Equal(failed, slack.Accepted.Select(m => KindOf(m.GetProperty("text").GetString()!)).Order());
            Assert.Equal(failed, smtp.Messages().Select(m => m.Headers["X-Vault-Event"]).Order());
            var mail = smtp.Messages().Single(m => m.Headers["X-Vault-Event"] == "backup.failed");
            Assert.Equal(("yes", "yes", "critical"), (mail.Headers["X-Sink-Tls"], mail.Headers["X-Sink-Auth"], mail.Headers["X-Vault-Severity"]));
            Assert.StartsWith("[Vault CRITICAL] backup.failed node:", mail.Subject, StringComparison.Ordinal);
            Assert.Contains("does not exist", mail.TextBody, StringComparison.Ordinal);
            Assert.Equal(["triggered", "triggered"], pd.Incidents.Values);
            Assert.Equal(failed, pd.Accepted.Select(e => e.GetProperty("payload").GetProperty("class").GetString()).Order());

            // 2. The same failure inside the window: both suppressed and counted, nothing sent.
            await RunScheduleAsync(silo, expectedFailures: 2);
            await Wait.UntilAsync(() => SuppressedAsync(silo), n => n >= 2, TimeSpan.FromSeconds(30), "two suppressed repeats in /metrics");
            var status = await NotifyStatusAsync(silo);
            var conditions = status.GetProperty("openConditions").EnumerateArray()
                .Select(c => (Kind: c.GetProperty("kind").GetString(), Subject: c.GetProperty("subject").GetString()!, Suppressed: c.GetProperty("suppressed").GetInt32()))
                .OrderBy(c => c.Kind, StringComparer.Ordinal).ToList();
            Assert.Equal([("backup.failed", 1), ("schedule.gave-up", 1)], conditions.Select(c => (c.Kind, c.Suppressed)));
            Assert.StartsWith("node:", conditions[0].Subject, StringComparison.Ordinal);
            Assert.Equal("schedule:nightly", conditions[1].Subject);
            Assert.Equal((2, 2, 2), (slack.Accepted.Count, smtp.Messages().Count, pd.Accepted.Count));

            // 3. The path is back: the backup succeeds and both conditions resolve (the PagerDuty incidents too, by the same dedup keys).
            Directory.CreateDirectory(source);
            await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "data again");
            await RunScheduleAsync(silo, expectedFailures: 0);
            await Wait.UntilAsync(() => Task.FromResult(pd.Incidents.Values.ToList()), s => s.All(v => v == "resolved"), TimeSpan.FromSeconds(60), "both PagerDuty incidents resolved");
            await Wait.UntilAsync(() => Task.FromResult((slack.Accepted.Count, smtp.Messages().Count)), c => c == (4, 4), TimeSpan.FromSeconds(60), "resolves on Slack and email");
            Assert.Equal(2, smtp.Messages().Count(m => m.Subject!.StartsWith("[Vault RESOLVED] ", StringComparison.Ordinal)));
            Assert.Contains(smtp.Messages(), m => m.Subject!.StartsWith("[Vault RESOLVED] schedule.gave-up schedule:nightly", StringComparison.Ordinal));
            Assert.Contains(smtp.Messages(), m => m.Subject!.StartsWith("[Vault RESOLVED] backup.failed node:", StringComparison.Ordinal));
            Assert.Equal(4, pd.Accepted.Count);
            Assert.Equal(2, pd.Incidents.Count);

            // The test command reaches a channel past rules and dedup.
            var test = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "notify", "test", "mail"], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
            Assert.True(test.ExitCode == 0, test.ToString());
            Assert.Contains("to channel mail: delivered", test.Stdout, StringComparison.Ordinal);
            Assert.Equal(5, smtp.Messages().Count);

            // 4. Slack is down and the path vanishes again: Slack's delivery waits in the outbox; the silo is killed.
            for (var i = 0; i < 10000; i++)
            {
                slack.Script.Enqueue(new FakeAnswer(503, "service unavailable"));
            }

            Directory.Delete(source, recursive: true);
            await RunScheduleAsync(silo, expectedFailures: 1);
            await Wait.UntilAsync(() => Task.FromResult(slack.Requests.Count), n => n >= 8, TimeSpan.FromSeconds(60), "Slack deliveries retried while it is down");
            await Wait.UntilAsync(() => Task.FromResult(smtp.Messages().Count), n => n == 7, TimeSpan.FromSeconds(60), "the emails of the new failure");
            var down = (await NotifyStatusAsync(silo)).GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "slack");
            Assert.Equal(2, down.GetProperty("pending").GetInt32());
            Assert.Contains("HTTP 503", down.GetProperty("lastError").GetString(), StringComparison.Ordinal);
            silo.Kill();
        }

        Assert.DoesNotContain("XXXXSECRETXXXX", silo.Log, StringComparison.Ordinal);
        slack.Script.Clear();
        Assert.Equal(4, slack.Accepted.Count);
        var outbox = await File.ReadAllTextAsync(Path.Combine(data, "notifications", "outbox.json"));
        Assert.Contains("\"channel\":\"slack\"", outbox, StringComparison.Ordinal);

        // 5. Restarted: the undelivered Slack messages arrive, once each; nothing is sent twice elsewhere.
        await using var restarted = new SiloProcess(data) { ExtraArguments = [.. config] };
        await restarted.StartAsync();
        await Wait.UntilAsync(() => Task.FromResult(slack.Accepted.Count), n => n == 6, TimeSpan.FromSeconds(60), "the held Slack messages after the restart",
            n => $"{n}; silo log: {Tail(restarted.Log)}");
        Assert.Equal(failed, slack.Accepted.Skip(4).Select(m => KindOf(m.GetProperty("text").GetString()!)).Order());
        await Wait.UntilAsync(() => NotifyStatusAsync(restarted), s => s.GetProperty("pending").GetInt32() == 0, TimeSpan.FromSeconds(30), "an empty outbox");
        Assert.Equal(6, slack.Accepted.Count);
        Assert.Equal(7, smtp.Messages().Count);
        Assert.Equal(7, smtp.Messages().Select(m => m.Headers["X-Vault-Delivery"]).Distinct().Count());
        Assert.Equal(6, pd.Accepted.Count);
    }

    private static async Task RunScheduleAsync(SiloProcess silo, int expectedFailures)
    {
        var run = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "schedule", "run", "nightly"], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        Assert.True(run.ExitCode == 0, run.ToString());
        await Wait.UntilAsync(async () =>
        {
            var show = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "--json", "schedule", "show", "nightly"], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
            var json = JsonDocument.Parse(show.Stdout).RootElement;
            return (Result: json.GetProperty("lastResult").GetString(), Failures: json.GetProperty("consecutiveFailures").GetInt32(),
                Following: json.TryGetProperty("currentJob", out var j) && j.GetString() is { Length: > 0 });
        }, s => !s.Following && s.Failures == expectedFailures && s.Result == (expectedFailures == 0 ? "succeeded" : "failed"),
            TimeSpan.FromSeconds(90), $"the schedule run to end with {expectedFailures} consecutive failure(s)");
    }

    private static async Task<JsonElement> NotifyStatusAsync(SiloProcess silo)
    {
        var r = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, "--json", "notify", "status"], new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    private static async Task<int> SuppressedAsync(SiloProcess silo)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(silo.Http + "/metrics");
        return SuppressedLine().Matches(text).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static string KindOf(string title) => title.Split(' ')[2];

    private static string Tail(string log) => log.Length <= 3000 ? log : log[^3000..];

    [GeneratedRegex(@"^vault_notifications_suppressed_total\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex SuppressedLine();
}
