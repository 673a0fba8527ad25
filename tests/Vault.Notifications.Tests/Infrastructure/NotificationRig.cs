using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Vault.Notifications.Tests.Infrastructure;

/// <summary>Records what would go to the audit log.</summary>
public sealed class RecordingAudit : IEventRecorder
{
    public ConcurrentQueue<VaultEvent> Events { get; } = new();

    public Task RecordAsync(VaultEvent notification, string node, CancellationToken cancellationToken)
    {
        Events.Enqueue(notification);
        return Task.CompletedTask;
    }
}

/// <summary>A channel whose outcomes the test scripts (for the dispatcher's own logic; real channels are tested against their servers).</summary>
public sealed class ScriptedChannel(string name) : INotificationChannel
{
    public string Name => name;

    public ChannelType Type => ChannelType.Webhook;

    public ConcurrentQueue<DeliveryResult> Script { get; } = new();

    public ConcurrentQueue<OutboxDelivery> Attempts { get; } = new();

    public Task<DeliveryResult> SendAsync(OutboxDelivery delivery, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(delivery);
        return Task.FromResult(Script.TryDequeue(out var r) ? r : DeliveryResult.Delivered);
    }
}

/// <summary>A node's notification pipeline (hub, durable outbox, dispatcher) on a fake clock; <see cref="Restart"/> reopens it over the same directory.</summary>
public sealed class NotificationRig : IDisposable
{
    private readonly Func<NotificationContext, TimeProvider, IEnumerable<INotificationChannel>> _channels;
    private readonly bool _ownsDirectory;

    public NotificationRig(NotificationOptions options, Func<NotificationContext, TimeProvider, IEnumerable<INotificationChannel>> channels, string? directory = null, FakeTimeProvider? time = null)
    {
        Options = options;
        _channels = channels;
        _ownsDirectory = directory is null;
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("vault-outbox-").FullName;
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        Context = new NotificationContext("n1", "http://127.0.0.1:9/status");
        Outbox = NotificationOutbox.Open(Directory);
        Hub = new NotificationHub(options, Outbox, Context, Audit, Time, NullLogger<NotificationHub>.Instance);
        Dispatcher = new OutboxDispatcher(Outbox, channels(Context, Time), Hub, Time, NullLogger<OutboxDispatcher>.Instance, () => 0.0);
    }

    public NotificationOptions Options { get; }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    public NotificationContext Context { get; }

    public RecordingAudit Audit { get; } = new();

    public NotificationOutbox Outbox { get; }

    public NotificationHub Hub { get; }

    public OutboxDispatcher Dispatcher { get; }

    /// <summary>A new pipeline over the same outbox directory and clock, as after a silo restart.</summary>
    public NotificationRig Restart() => new(Options, _channels, Directory, Time);

    /// <summary>Runs delivery rounds, moving the clock to each next due time, until the outbox is empty (or <paramref name="maxRounds"/>).</summary>
    public async Task<int> DrainAsync(int maxRounds = 100, DateTimeOffset? until = null)
    {
        var attempts = 0;
        for (var round = 0; round < maxRounds; round++)
        {
            attempts += await Dispatcher.RunDueAsync(CancellationToken.None);
            if (Dispatcher.NextDue() is not { } next || (until is { } u && next > u))
            {
                return attempts;
            }

            if (next > Time.GetUtcNow())
            {
                Time.SetUtcNow(next);
            }
        }

        return attempts;
    }

    public void Dispose()
    {
        Dispatcher.Dispose();
        if (_ownsDirectory)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
