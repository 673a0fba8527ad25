using Vault.Failover;
using Vault.Grains.Notifications;
using Vault.Notifications;

namespace Vault.Grains.Tests;

/// <summary>The failover controller's event names become notification kinds with their severities; none falls through to "halted".</summary>
public sealed class FailoverEventsTests
{
    private sealed class Captured : INotificationSink
    {
        public List<VaultEvent> Events { get; } = [];

        public void Publish(VaultEvent notification) => Events.Add(notification);
    }

    [Theory]
    [InlineData("failover.started", FailoverKind.Failover, EventKinds.FailoverStarted, EventSeverity.Critical)]
    [InlineData("failover.completed", FailoverKind.Failover, EventKinds.FailoverFinished, EventSeverity.Warning)]
    [InlineData("failover.completed", FailoverKind.Switchover, EventKinds.SwitchoverDone, EventSeverity.Info)]
    [InlineData("failover.halted", FailoverKind.Failover, EventKinds.FailoverHalted, EventSeverity.Critical)]
    [InlineData("failover.blocked", FailoverKind.Failover, EventKinds.FailoverBlocked, EventSeverity.Critical)]
    [InlineData("failover.old-primary-returned", FailoverKind.Failover, EventKinds.FailoverOldPrimaryReturned, EventSeverity.Warning)]
    [InlineData("failover.rejoin-started", FailoverKind.Rejoin, EventKinds.FailoverRejoinStarted, EventSeverity.Info)]
    [InlineData("failover.rejoined", FailoverKind.Rejoin, EventKinds.FailoverRejoined, EventSeverity.Info)]
    public void ControllerEvent_MapsToKindAndSeverity(string eventName, FailoverKind kind, string expectedKind, EventSeverity expectedSeverity)
    {
        var sink = new Captured();
        FailoverEvents.Publish(sink, "orders", kind, 3, "pg1", "pg2", eventName, "message");

        var e = Assert.Single(sink.Events);
        Assert.Equal(expectedKind, e.Kind);
        Assert.Equal(expectedSeverity, e.Severity);
        Assert.Equal("service:orders", e.Subject);
    }
}
