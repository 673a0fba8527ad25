using Grpc.Core;
using Vault.Retention;

namespace Vault.Gateway;

// `vault check`: validated here (so a bad request is a 400 before any grain call), run as a job on a node.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.Job> StartCheck(V1.StartCheckRequest request, ServerCallContext context)
    {
        if (double.IsNaN(request.ReadDataPercent) || request.ReadDataPercent is < 0 or > 100)
        {
            throw Invalid($"read_data_percent is {request.ReadDataPercent}; must be between 0 and 100");
        }

        if (request.HasReadDataOffset && (double.IsNaN(request.ReadDataOffset) || request.ReadDataOffset is < 0 or >= 100))
        {
            throw Invalid($"read_data_offset is {request.ReadDataOffset}; must be at least 0 and less than 100");
        }

        var check = new CheckRequest
        {
            ReadDataPercent = request.ReadDataPercent,
            ReadDataOffset = request.HasReadDataOffset ? request.ReadDataOffset : null,
        };
        return ProtoMapper.ToProto(await Peer(request.Node).StartCheckAsync(check));
    }
}
