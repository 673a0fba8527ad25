using Microsoft.Extensions.Configuration;

namespace Vault.Notifications.Tests;

public class NotificationSectionTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Bind_Complete_Valid()
    {
        var secret = Path.GetTempFileName();
        try
        {
            var o = NotificationSection.Bind(Config(
                ("Vault:Notifications:DedupWindow", "00:10:00"),
                ("Vault:Notifications:StatusPageUrl", "https://status.example.org"),
                ("Vault:Notifications:Channels:ops:Type", "Slack"),
                ("Vault:Notifications:Channels:ops:UrlEnv", "SLACK_URL"),
                ("Vault:Notifications:Channels:pd:Type", "PagerDuty"),
                ("Vault:Notifications:Channels:pd:SecretFile", secret),
                ("Vault:Notifications:Channels:mail:Type", "Smtp"),
                ("Vault:Notifications:Channels:mail:Host", "smtp.example.org"),
                ("Vault:Notifications:Channels:mail:Port", "587"),
                ("Vault:Notifications:Channels:mail:From", "vault@example.org"),
                ("Vault:Notifications:Channels:mail:To:0", "ops@example.org"),
                ("Vault:Notifications:Rules:all:Kinds:0", "backup.*"),
                ("Vault:Notifications:Rules:all:MinSeverity", "Warning"),
                ("Vault:Notifications:Rules:all:Channels:0", "ops"),
                ("Vault:Notifications:Rules:all:Channels:1", "mail"),
                ("Vault:Notifications:Rules:all:QuietHours:Start", "22:00"),
                ("Vault:Notifications:Rules:all:QuietHours:End", "07:00")));
            Assert.Empty(NotificationSection.Validate(o));
            Assert.Equal(TimeSpan.FromMinutes(10), o.DedupWindow);
            Assert.Equal(3, o.Channels.Count);
            Assert.Equal(TimeSpan.FromHours(22), o.Rules["all"].QuietHours!.Start);
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Theory]
    [InlineData("Vault:Notifications:DedupWindow", "ten minutes", "Vault:Notifications:DedupWindow is 'ten minutes'; must be a time span")]
    [InlineData("Vault:Notifications:MaxAttempts", "many", "Vault:Notifications:MaxAttempts is 'many'; must be a whole number")]
    [InlineData("Vault:Notifications:Channels:x:Type", "Teams", "Vault:Notifications:Channels:x:Type is 'Teams'; must be Slack, PagerDuty, Smtp or Webhook")]
    [InlineData("Vault:Notifications:Rules:r:MinSeverity", "Huge", "Vault:Notifications:Rules:r:MinSeverity is 'Huge'; must be Info, Warning or Critical")]
    [InlineData("Vault:Notifications:Channels:x:Hots", "smtp", "unknown key(s) 'Hots'")]
    [InlineData("Vault:Notifications:DedupWindw", "00:01:00", "unknown key(s) 'DedupWindw'")]
    public void Bind_BadValueOrUnknownKey_NamesIt(string key, string value, string expected)
    {
        var e = Assert.Throws<NotificationConfigurationException>(() => NotificationSection.Bind(Config((key, value))));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> Invalid => new()
    {
        { ["Channels:s:Type=Slack", "Channels:s:Url=https://hooks.slack.com/services/x"], "Vault:Notifications:Channels:s:Url is set; a Slack incoming webhook URL is a credential" },
        { ["Channels:s:Type=Slack"], "Vault:Notifications:Channels:s: a Slack channel needs UrlFile or UrlEnv" },
        { ["Channels:p:Type=PagerDuty"], "Vault:Notifications:Channels:p: a PagerDuty channel needs SecretFile or SecretEnv" },
        { ["Channels:w:Type=Webhook", "Channels:w:Url=ftp://x", "Channels:w:SecretEnv=S"], "Vault:Notifications:Channels:w:Url is 'ftp://x'; must be an absolute http or https URL" },
        { ["Channels:m:Type=Smtp", "Channels:m:Host=h", "Channels:m:Port=0", "Channels:m:From=a@b.c", "Channels:m:To:0=d@e.f"], "Vault:Notifications:Channels:m:Port is 0; must be between 1 and 65535" },
        { ["Channels:m:Type=Smtp", "Channels:m:Host=h", "Channels:m:Port=25", "Channels:m:From=a@b.c"], "Vault:Notifications:Channels:m:To is empty" },
        { ["Channels:m:Type=Smtp", "Channels:m:Host=h", "Channels:m:Port=25", "Channels:m:From=a@b.c", "Channels:m:To:0=d@e.f", "Channels:m:UserName=u"], "UserName is set but no password" },
        { ["Channels:w:Type=Webhook", "Channels:w:Url=http://x", "Channels:w:SecretEnv=S", "Channels:w:Host=h"], "Host, Port, From, To, UserName and CaFile apply to Smtp channels only" },
        { ["Channels:w:Type=Webhook", "Channels:w:Url=http://x", "Channels:w:SecretFile=/nonexistent/s"], "Vault:Notifications:Channels:w:SecretFile is '/nonexistent/s'; the file does not exist" },
        { ["Rules:r:Channels:0=nope"], "Vault:Notifications:Rules:r:Channels:0 is 'nope'; no such channel" },
        { ["Rules:r:Kinds:0=backup.exploded", "Rules:r:Channels:0=w", "Channels:w:Type=Webhook", "Channels:w:Url=http://x", "Channels:w:SecretEnv=S"], "Vault:Notifications:Rules:r:Kinds:0 is 'backup.exploded'; must be an event kind" },
        { ["Rules:r:QuietHours:Start=22:00", "Rules:r:QuietHours:End=22:00", "Rules:r:Channels:0=w", "Channels:w:Type=Webhook", "Channels:w:Url=http://x", "Channels:w:SecretEnv=S"], "Start and End are both 22:00:00" },
        { ["Rules:r:QuietHours:Start=22:00", "Rules:r:QuietHours:End=06:00", "Rules:r:QuietHours:TimeZone=Mars/Olympus", "Rules:r:Channels:0=w", "Channels:w:Type=Webhook", "Channels:w:Url=http://x", "Channels:w:SecretEnv=S"], "Vault:Notifications:Rules:r:QuietHours:TimeZone is 'Mars/Olympus'" },
        { ["MaxAttempts=0"], "Vault:Notifications:MaxAttempts is 0; must be between 1 and 100" },
        { ["InitialBackoff=00:01:00", "MaxBackoff=00:00:10"], "Vault:Notifications:MaxBackoff is 00:00:10; must be at least InitialBackoff (00:01:00)" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_Invalid_NamesKeyValueRule(string[] settings, string expected)
    {
        var o = NotificationSection.Bind(Config([.. settings.Select(s => s.Split('=', 2)).Select(p => ("Vault:Notifications:" + p[0], p[1]))]));
        var errors = NotificationSection.Validate(o).ToList();
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
