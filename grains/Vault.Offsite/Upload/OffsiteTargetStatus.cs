namespace Vault.Offsite.Upload;

/// <summary>One target's upload lag as seen by one node.</summary>
public sealed record OffsiteTargetStatus(
    string Target,
    int PendingPacks,
    long PendingBytes,
    int PendingObjects,
    TimeSpan OldestPendingAge,
    long UploadedObjects,
    long UploadedBytes,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    bool Lagging);
