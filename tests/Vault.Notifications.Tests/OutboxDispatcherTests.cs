using Vault.Notifications.Tests.Infrastructure;

namespace Vault.Notifications.Tests;

public class OutboxDispatcherTests
{
    private static NotificationOptions Options(int maxAttempts = 4) => new()
    {
        DedupWindow = TimeSpan.FromMinutes(30),
        MaxAttempts = maxAttempts,
        InitialBackoff = TimeSpan.FromSeconds(10),
        MaxBackoff = TimeSpan.FromMinutes(5),
        Channels = new()
        {
            ["a"] = new ChannelOptions { Type = ChannelType.Webhook },
            ["b"] = new ChannelOptions { Type = ChannelType.Webhook },
        },
        Rules = new() { ["all"] = new RouteRule { Channels = ["a", "b"] } },
    };

    private static VaultEvent Failed(string subject = "node:n1") => VaultEvent.Raise(EventKinds.BackupFailed, EventSeverity.Warning, subject, "backup of /data failed");

    [Fact]
    public async Task Publish_Repeats_SentOnceThenCountedWithNextSend()
    {
        var a = new ScriptedChannel("a");
        var b = new ScriptedChannel("b");
        using var rig = new NotificationRig(Options(), (_, _) => [a, b]);
        rig.Hub.Publish(Failed());
        rig.Hub.Publish(Failed());
        rig.Hub.Publish(Failed());
        await rig.DrainAsync();
        Assert.Single(a.Attempts);
        Assert.Single(b.Attempts);
        Assert.Equal(2, rig.Hub.Status().OpenConditions.Single().Suppressed);

        rig.Time.Advance(TimeSpan.FromMinutes(31));
        rig.Hub.Publish(Failed());
        await rig.DrainAsync();
        Assert.Equal(2, a.Attempts.Count);
        Assert.Equal(2, a.Attempts.Last().SuppressedRepeats);
        Assert.Equal(4, rig.Audit.Events.Count);
    }

    [Fact]
    public async Task Publish_Resolve_OnlyForOpenCondition()
    {
        var a = new ScriptedChannel("a");
        using var rig = new NotificationRig(Options(), (_, _) => [a, new ScriptedChannel("b")]);
        rig.Hub.Publish(VaultEvent.Clear(EventKinds.BackupFailed, "node:n1", "backup succeeded"));
        await rig.DrainAsync();
        Assert.Empty(a.Attempts);
        Assert.Empty(rig.Audit.Events);

        rig.Hub.Publish(Failed());
        rig.Hub.Publish(VaultEvent.Clear(EventKinds.BackupFailed, "node:n1", "backup succeeded"));
        rig.Hub.Publish(VaultEvent.Clear(EventKinds.BackupFailed, "node:n1", "backup succeeded"));
        await rig.DrainAsync();
        Assert.Equal([false, true], a.Attempts.Select(d => d.Event.Resolves));
        Assert.Equal(EventSeverity.Warning, a.Attempts.Last().Severity);
        Assert.Empty(rig.Hub.Status().OpenConditions);
    }

    [Fact]
    public async Task Dispatch_ChannelDown_RetriedWithBackoffThenDelivered()
    {
        var a = new ScriptedChannel("a");
        for (var i = 0; i < 2; i++)
        {
            a.Script.Enqueue(DeliveryResult.Retry("HTTP 503"));
        }

        using var rig = new NotificationRig(Options(), (_, _) => [a, new ScriptedChannel("b")]);
        var start = rig.Time.GetUtcNow();
        rig.Hub.Publish(Failed());
        await rig.Dispatcher.RunDueAsync(CancellationToken.None);
        var status = rig.Hub.Status().Channels.Single(c => c.Name == "a");
        Assert.Equal(1, status.Pending);
        Assert.Equal("HTTP 503", status.LastError);
        Assert.Equal(start + TimeSpan.FromSeconds(5), status.NextAttempt); // jitter 0: half of 10 s

        await rig.DrainAsync();
        Assert.Equal(3, a.Attempts.Count);
        Assert.Single(a.Attempts.Select(d => d.Id).Distinct());
        Assert.Equal(start + TimeSpan.FromSeconds(5 + 10), rig.Time.GetUtcNow()); // second retry: half of 20 s
        status = rig.Hub.Status().Channels.Single(c => c.Name == "a");
        Assert.Equal((0, 1L, 2L), (status.Pending, status.Delivered, status.FailedAttempts));
    }

    [Fact]
    public async Task Dispatch_RetryAfter_Honoured()
    {
        var a = new ScriptedChannel("a");
        a.Script.Enqueue(DeliveryResult.Retry("HTTP 429", TimeSpan.FromSeconds(90)));
        using var rig = new NotificationRig(Options(), (_, _) => [a, new ScriptedChannel("b")]);
        var start = rig.Time.GetUtcNow();
        rig.Hub.Publish(Failed());
        await rig.Dispatcher.RunDueAsync(CancellationToken.None);
        Assert.Equal(start + TimeSpan.FromSeconds(90), rig.Hub.Status().Channels.Single(c => c.Name == "a").NextAttempt);
    }

    [Fact]
    public async Task Dispatch_MaxAttempts_DeadLetteredAndChannelFailingRaisedElsewhere_ResolvedOnRecovery()
    {
        var a = new ScriptedChannel("a");
        var b = new ScriptedChannel("b");
        for (var i = 0; i < 4; i++)
        {
            a.Script.Enqueue(DeliveryResult.Retry("connection refused"));
        }

        using var rig = new NotificationRig(Options(maxAttempts: 4), (_, _) => [a, b]);
        rig.Hub.Publish(Failed());
        await rig.DrainAsync();
        var status = rig.Hub.Status();
        Assert.Equal(1, status.DeadLettered);
        Assert.Equal(0, status.Pending);
        Assert.Equal(4, a.Attempts.Count);
        Assert.Equal(1, status.Channels.Single(c => c.Name == "a").DeadLettered);
        // b got the event and the channel.failing alert about a (raised after the third failed attempt); a never gets its own alert.
        Assert.Equal([EventKinds.BackupFailed, EventKinds.ChannelFailing], b.Attempts.Select(d => d.Event.Kind));
        Assert.Equal("channel:a", b.Attempts.Last().Event.Subject);
        Assert.DoesNotContain(a.Attempts, d => d.Event.Kind == EventKinds.ChannelFailing);

        rig.Hub.Publish(Failed("node:n2"));
        await rig.DrainAsync();
        Assert.Equal(EventKinds.ChannelFailing, b.Attempts.Last().Event.Kind);
        Assert.True(b.Attempts.Last().Event.Resolves);
    }

    [Fact]
    public async Task Dispatch_Rejected_DeadLetteredAtOnce()
    {
        var a = new ScriptedChannel("a");
        a.Script.Enqueue(DeliveryResult.Reject("HTTP 400: invalid event"));
        using var rig = new NotificationRig(Options(), (_, _) => [a, new ScriptedChannel("b")]);
        rig.Hub.Publish(Failed());
        await rig.DrainAsync();
        Assert.Single(a.Attempts);
        var dead = rig.Outbox.Read(s => s.DeadLetters.Single());
        Assert.Equal(("a", 1, "HTTP 400: invalid event"), (dead.Channel, dead.Attempts, dead.LastError));
    }

    [Fact]
    public async Task Restart_PendingAndConditions_Survive()
    {
        var a = new ScriptedChannel("a");
        a.Script.Enqueue(DeliveryResult.Retry("down"));
        using var first = new NotificationRig(Options(), (_, _) => [a, new ScriptedChannel("b")]);
        first.Hub.Publish(Failed());
        await first.Dispatcher.RunDueAsync(CancellationToken.None);
        Assert.Equal(1, first.Hub.Status().Pending);

        // The node restarts: a new pipeline over the same file.
        var a2 = new ScriptedChannel("a");
        using var again = new NotificationRig(first.Options, (_, _) => [a2, new ScriptedChannel("b")], first.Directory, first.Time);
        Assert.Equal(1, again.Hub.Status().Pending);
        again.Hub.Publish(Failed());
        await again.DrainAsync();
        var delivered = Assert.Single(a2.Attempts);
        Assert.Equal(a.Attempts.Single().Id, delivered.Id);
        Assert.Equal(1, delivered.Attempts);
        Assert.Equal(1, again.Hub.Status().OpenConditions.Single().Suppressed);
    }

    [Fact]
    public void Open_UnreadableFile_SetAsideNotOverwritten()
    {
        var dir = Directory.CreateTempSubdirectory("vault-outbox-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, NotificationOutbox.FileName), "{ not json");
            var outbox = NotificationOutbox.Open(dir);
            Assert.NotNull(outbox.SetAside);
            Assert.Equal("{ not json", File.ReadAllText(outbox.SetAside!));
            Assert.Equal(0, outbox.Read(s => s.Pending.Count));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task QuietHours_HeldUntilEnd_NotDropped()
    {
        var a = new ScriptedChannel("a");
        var options = Options();
        options.Rules["all"].QuietHours = new QuietHours { Start = TimeSpan.FromHours(11), End = TimeSpan.FromHours(13) };
        using var rig = new NotificationRig(options, (_, _) => [a, new ScriptedChannel("b")]);
        rig.Hub.Publish(Failed());
        await rig.Dispatcher.RunDueAsync(CancellationToken.None);
        Assert.Empty(a.Attempts);
        await rig.DrainAsync();
        Assert.Single(a.Attempts);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 13, 0, 0, TimeSpan.Zero), rig.Time.GetUtcNow());
    }

    [Fact]
    public async Task Test_BypassesRulesAndDedup_UnknownChannelNamed()
    {
        var a = new ScriptedChannel("a");
        var options = Options();
        options.Rules.Clear();
        using var rig = new NotificationRig(options, (_, _) => [a, new ScriptedChannel("b")]);
        rig.Hub.Test("a");
        rig.Hub.Test("a");
        await rig.DrainAsync();
        Assert.Equal(2, a.Attempts.Count);
        var e = Assert.Throws<KeyNotFoundException>(() => rig.Hub.Test("slack"));
        Assert.Contains("no notification channel 'slack' (the channels are: a, b)", e.Message, StringComparison.Ordinal);
    }
}
