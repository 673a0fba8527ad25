using Vault.Storage;

namespace Vault.Offsite.Upload;

/// <summary>What one queue entry uploads.</summary>
public enum OffsiteEntryKind
{
    Pack = 0,
    Snapshot = 1,
    Config = 2,
    WrappedKey = 3,
}

/// <summary>One pending upload for one target: its order in the queue, what it is, and when it was queued.</summary>
public sealed record OffsiteEntry(long Sequence, OffsiteEntryKind Kind, string Name, string File, DateTimeOffset Queued)
{
    public string ObjectKey => Kind switch
    {
        OffsiteEntryKind.Pack => OffsiteLayout.Pack(PackId.Parse(Name)),
        OffsiteEntryKind.Snapshot => OffsiteLayout.Snapshot(Name),
        OffsiteEntryKind.Config => OffsiteLayout.Config,
        _ => OffsiteLayout.WrappedKey,
    };
}
