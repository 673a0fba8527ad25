using Orleans.Concurrency;
using Vault.Grains.Placement;
using Vault.Offsite;
using Vault.Offsite.Upload;

namespace Vault.Grains.Offsite;

/// <summary>A node's off-site upload status for the API. Lives on that node.</summary>
[NodePlacement, Reentrant]
public sealed class OffsiteGrain(OffsiteUploader uploader, ILocalSiloDetails local) : Grain, IOffsiteGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        return key == local.Name ? Task.CompletedTask : throw new InvalidOperationException($"OffsiteGrain '{key}' activated on node '{local.Name}'");
    }

    public Task<OffsiteStatusInfo> GetStatusAsync() =>
        Task.FromResult(new OffsiteStatusInfo(local.Name, [.. uploader.Status().Select(s => new OffsiteTargetInfo(
            s.Target, s.PendingPacks, s.PendingBytes, s.PendingObjects, s.OldestPendingAge.TotalSeconds, s.UploadedObjects, s.UploadedBytes, s.LastError, s.LastErrorAt, s.Lagging))]));
}
