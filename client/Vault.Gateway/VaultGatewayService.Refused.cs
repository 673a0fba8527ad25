using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Vault.Security;

namespace Vault.Gateway;

// The refused unauthenticated calls, listed with the audit log but kept apart from it.
public sealed partial class VaultGatewayService
{
    private async Task AddRefusedAsync(V1.ListAuditResponse response, int limit, ServerCallContext context)
    {
        // What this gateway counted since its last flush is included, so the list is current.
        await context.GetHttpContext().RequestServices.GetRequiredService<RefusedCallLog>().FlushAsync();
        var rows = await _grains.GetGrain<IRefusedCallsGrain>("default").ListAsync(limit);
        response.Refused.AddRange(rows.Select(r => new V1.RefusedCallsEntry
        {
            Client = r.Client,
            What = r.What,
            Reason = r.Reason,
            Count = r.Count,
            First = Timestamp.FromDateTimeOffset(r.First),
            Last = Timestamp.FromDateTimeOffset(r.Last),
        }));
    }
}
