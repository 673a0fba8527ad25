using Vault.Offsite;
using Vault.Offsite.Upload;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Offsite;

/// <summary>
/// What the data path tells the off-site uploader: a pack is durable on its write quorum, a snapshot is
/// committed. With Vault:Offsite:Required the snapshot's call waits until its packs and record are in
/// every target. No targets: nothing is queued.
/// </summary>
public sealed class OffsiteCopy(OffsiteQueue queue, OffsiteOptions options)
{
    public void PackStored(PackId pack) => queue.EnqueuePack(pack);

    public async Task SnapshotCommittedAsync(SnapshotInfo snapshot, bool required, CancellationToken ct)
    {
        var sequence = queue.EnqueueSnapshot(snapshot.Id.ToString(), OffsiteSnapshotRecord.Encode(snapshot));
        if ((required || options.Required) && queue.Targets.Count > 0)
        {
            await queue.WaitUploadedAsync(sequence, ct);
        }
    }
}
