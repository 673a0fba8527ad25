using Grpc.Core;
using Vault.Failover;

namespace Vault.Gateway;

// Failover rejoin: one call to the service's controller grain, which drives the rejoin steps.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.FailoverStatus> RejoinFailoverNode(V1.RejoinFailoverNodeRequest request, ServerCallContext context) =>
        string.IsNullOrWhiteSpace(request.Node)
            ? throw Invalid("a node name is required (the node to rejoin as a replica)")
            : FailoverProtoMapper.ToProto(await Controller(request.Service).RejoinAsync(
                new RejoinCommand(request.Node, Operator(request.Operator), NullIfEmpty(request.Reason))));
}
