using Vault.Storage;

namespace Vault.Grains.Retention;

/// <summary>Persisted: the checkpoints of one backup (by lease), kept until it commits or the keep time passed since <see cref="Last"/>.</summary>
[GenerateSerializer, Alias("vault.checkpoint-record")]
public sealed class CheckpointRecord
{
    [Id(0)] public string Node { get; set; } = "";

    [Id(1)] public List<string> Paths { get; set; } = [];

    [Id(2)] public List<PackId> Packs { get; set; } = [];

    [Id(3)] public DateTimeOffset Last { get; set; }
}
