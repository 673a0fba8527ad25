using Vault.V1;

namespace Vault.Client;

// The off-site copy (docs/offsite.md).
public sealed partial class VaultClient
{
    /// <summary>A node's off-site upload queues per target: pending packs and bytes, oldest pending upload, last error.</summary>
    /// <param name="node">The node; empty = the gateway's node.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<OffsiteStatus> GetOffsiteStatusAsync(string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetOffsiteStatusAsync(new GetOffsiteStatusRequest { Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);
}
