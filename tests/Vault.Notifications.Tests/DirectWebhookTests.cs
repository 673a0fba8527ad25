using System.Text.Json;
using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

/// <summary>The failover controller's own webhooks go through the durable outbox: retried, kept across a restart, sent once, signed as before.</summary>
public class DirectWebhookTests
{
    private const string Secret = "failover-hook-secret";

    [Fact]
    public async Task FailoverWebhook_ReceiverDown_RetriedKeptAcrossRestart_DeliveredOnceWithBodySignature()
    {
        using var receiver = new LegacyWebhookReceiver(Secret);
        var dir = Directory.CreateTempSubdirectory("vault-direct-hook-").FullName;
        var secretFile = Path.Combine(dir, "secret");
        await File.WriteAllTextAsync(secretFile, Secret + "\n");
        var options = new NotificationOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(4) };
        var http = new HttpClient();
        var outboxDir = Path.Combine(dir, "outbox");
        var body = JsonSerializer.Serialize(new { @event = "failover.completed", service = "pg", epoch = 7 });
        var hook = new DirectWebhook(receiver.Url, secretFile, null, body, "pg-7-failover.completed");
        var e = VaultEvent.Raise("failover.completed", EventSeverity.Warning, "service:pg", "pg: failover to pg2 completed");
        receiver.Script.Enqueue(new FakeAnswer(503, "down"));
        receiver.Script.Enqueue(new FakeAnswer(503, "down"));

        using (var rig = new NotificationRig(options, (_, _) => [], outboxDir))
        {
            var dispatcher = new OutboxDispatcher(rig.Outbox, [], rig.Hub, rig.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance, () => 0.0, http);
            rig.Hub.Enqueue("d1", "failover:pg:webhook0", e, hook);
            rig.Hub.Enqueue("d1", "failover:pg:webhook0", e, hook); // a repeated step queues nothing more
            Assert.Equal(1, rig.Hub.Status().Pending);
            Assert.Equal(1, await dispatcher.RunDueAsync(CancellationToken.None));
            rig.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, await dispatcher.RunDueAsync(CancellationToken.None));
            Assert.Equal(("retrying", 2), (rig.Hub.Outcome("d1").Outcome, rig.Hub.Outcome("d1").Attempts));
            var status = rig.Hub.Status().Channels.Single();
            Assert.Equal(("failover:pg:webhook0", "Webhook", 1), (status.Name, status.Type, status.Pending));
            Assert.Contains("HTTP 503", status.LastError, StringComparison.Ordinal);
            dispatcher.Dispose();
        }

        // The node restarts: the delivery is still in the outbox and is made once.
        using var restarted = new NotificationRig(options, (_, _) => [], outboxDir);
        using var after = new OutboxDispatcher(restarted.Outbox, [], restarted.Hub, restarted.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance, () => 0.0, http);
        restarted.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await after.RunDueAsync(CancellationToken.None));
        Assert.Equal(0, await after.RunDueAsync(CancellationToken.None));
        Assert.Equal("delivered", restarted.Hub.Outcome("d1").Outcome);
        var got = Assert.Single(receiver.Verified);
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(body, got.Text);
        Assert.Equal(("failover.completed", "pg-7-failover.completed"), (got.Headers["X-Vault-Event"], got.Headers["X-Vault-Delivery"]));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task FailoverWebhook_WrongSecretFile_RetriedThenDeadLettered_RaisesChannelFailing()
    {
        using var receiver = new LegacyWebhookReceiver(Secret);
        var options = new NotificationOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(2) };
        using var rig = new NotificationRig(options, (_, _) => []);
        using var dispatcher = new OutboxDispatcher(rig.Outbox, [], rig.Hub, rig.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance, () => 0.0, new HttpClient());
        var missing = Path.Combine(rig.Directory, "no-such-secret");
        rig.Hub.Enqueue("d2", "failover:pg:webhook0", VaultEvent.Raise("failover.halted", EventSeverity.Critical, "service:pg", "halted"),
            new DirectWebhook(receiver.Url, missing, null, "{}", "pg-8-failover.halted"));
        for (var i = 0; i < 3; i++)
        {
            await dispatcher.RunDueAsync(CancellationToken.None);
            rig.Time.Advance(TimeSpan.FromSeconds(2));
        }

        var outcome = rig.Hub.Outcome("d2");
        Assert.Equal(("dead-lettered", 3), (outcome.Outcome, outcome.Attempts));
        Assert.Contains(missing, outcome.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        Assert.Contains(rig.Audit.Events, a => a.Kind == EventKinds.ChannelFailing && a.Subject == "channel:failover:pg:webhook0");
    }
}
