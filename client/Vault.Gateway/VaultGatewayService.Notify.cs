using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Notify;

namespace Vault.Gateway;

// Notifications: each node delivers its own events from its own outbox, so status and test go to
// the node's grain (the gateway's node unless one is named).
public sealed partial class VaultGatewayService
{
    public override async Task<V1.NotifyStatus> GetNotifyStatus(V1.GetNotifyStatusRequest request, ServerCallContext context) =>
        NotifyProtoMapper.ToProto(await Notify(request.Node).GetStatusAsync());

    public override async Task<V1.TestNotifyChannelResponse> TestNotifyChannel(V1.TestNotifyChannelRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Channel))
        {
            throw Invalid("a channel name is required");
        }

        var r = await Notify(request.Node).TestAsync(request.Channel);
        return new V1.TestNotifyChannelResponse
        {
            Node = r.Node,
            Channel = r.Channel,
            Delivery = r.Delivery,
            Outcome = r.Outcome,
            Attempts = r.Attempts,
            Error = r.Error ?? "",
        };
    }

    private INotifyGrain Notify(string node)
    {
        node = node.Length > 0 ? node : _options.DefaultNode;
        return node.Length == 0
            ? throw Invalid("no node given and the gateway has no default node")
            : _grains.GetGrain<INotifyGrain>(node);
    }
}

/// <summary>A node's outbox status to its wire form.</summary>
public static class NotifyProtoMapper
{
    public static V1.NotifyStatus ToProto(NotifyStatusInfo s)
    {
        var status = new V1.NotifyStatus { Node = s.Node, Pending = s.Pending, DeadLettered = s.DeadLettered, DeadLettersDropped = s.DeadLettersDropped };
        status.Channels.AddRange(s.Channels.Select(c =>
        {
            var channel = new V1.NotifyChannelStatus
            {
                Name = c.Name,
                Type = c.Type,
                Pending = c.Pending,
                DeadLettered = c.DeadLettered,
                Delivered = c.Delivered,
                FailedAttempts = c.FailedAttempts,
                LastError = c.LastError ?? "",
            };
            if (c.LastErrorAt is { } errorAt)
            {
                channel.LastErrorAt = Timestamp.FromDateTimeOffset(errorAt);
            }

            if (c.LastDelivered is { } delivered)
            {
                channel.LastDelivered = Timestamp.FromDateTimeOffset(delivered);
            }

            if (c.NextAttempt is { } next)
            {
                channel.NextAttempt = Timestamp.FromDateTimeOffset(next);
            }

            return channel;
        }));
        status.OpenConditions.AddRange(s.OpenConditions.Select(c => new V1.NotifyCondition
        {
            Kind = c.Kind,
            Subject = c.Subject,
            Severity = c.Severity,
            LastSent = Timestamp.FromDateTimeOffset(c.LastSent),
            Suppressed = c.Suppressed,
        }));
        return status;
    }
}
