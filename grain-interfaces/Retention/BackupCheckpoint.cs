using Vault.Storage;

namespace Vault.Retention;

/// <summary>
/// What a running backup has made durable since its previous checkpoint: packs on their write
/// quorum whose index entries are persisted. GC keeps the chunks of these packs for
/// Vault:Gc:CheckpointKeepSeconds after the last checkpoint, so a backup that crashed or was
/// cancelled resumes by deduplicating against them.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.backup-checkpoint")]
public sealed record BackupCheckpoint(
    [property: Id(0)] string Node,
    [property: Id(1)] IReadOnlyList<string> Paths,
    [property: Id(2)] IReadOnlyList<PackId> Packs);
