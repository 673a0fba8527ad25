namespace Vault.Offsite;

/// <summary>One off-site target's upload lag as seen by one node.</summary>
[GenerateSerializer, Immutable, Alias("vault.offsite-target-status")]
public sealed record OffsiteTargetInfo(
    string Target,
    int PendingPacks,
    long PendingBytes,
    int PendingObjects,
    double OldestPendingSeconds,
    long UploadedObjects,
    long UploadedBytes,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    bool Lagging);

/// <summary>A node's off-site upload queues, per target.</summary>
[GenerateSerializer, Immutable, Alias("vault.offsite-status")]
public sealed record OffsiteStatusInfo(string Node, IReadOnlyList<OffsiteTargetInfo> Targets);

/// <summary>A node's off-site copy (key: node id), placed on that node.</summary>
public interface IOffsiteGrain : IGrainWithStringKey
{
    Task<OffsiteStatusInfo> GetStatusAsync();
}
