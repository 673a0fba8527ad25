using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Offsite;

namespace Vault.Gateway;

// Off-site copy: each node uploads what it wrote from its own queue, so the status goes to the node's
// grain (the gateway's node unless one is named).
public sealed partial class VaultGatewayService
{
    public override async Task<V1.OffsiteStatus> GetOffsiteStatus(V1.GetOffsiteStatusRequest request, ServerCallContext context)
    {
        var node = request.Node.Length > 0 ? request.Node : _options.DefaultNode;
        if (node.Length == 0)
        {
            throw Invalid("no node given and the gateway has no default node");
        }

        return OffsiteProtoMapper.ToProto(await _grains.GetGrain<IOffsiteGrain>(node).GetStatusAsync());
    }
}

/// <summary>A node's off-site status to its wire form.</summary>
public static class OffsiteProtoMapper
{
    public static V1.OffsiteStatus ToProto(OffsiteStatusInfo s)
    {
        var status = new V1.OffsiteStatus { Node = s.Node };
        status.Targets.AddRange(s.Targets.Select(t =>
        {
            var target = new V1.OffsiteTargetStatus
            {
                Target = t.Target,
                PendingPacks = t.PendingPacks,
                PendingBytes = t.PendingBytes,
                PendingObjects = t.PendingObjects,
                OldestPendingSeconds = t.OldestPendingSeconds,
                UploadedObjects = t.UploadedObjects,
                UploadedBytes = t.UploadedBytes,
                LastError = t.LastError ?? "",
                Lagging = t.Lagging,
            };
            if (t.LastErrorAt is { } at)
            {
                target.LastErrorAt = Timestamp.FromDateTimeOffset(at);
            }

            return target;
        }));
        return status;
    }
}
