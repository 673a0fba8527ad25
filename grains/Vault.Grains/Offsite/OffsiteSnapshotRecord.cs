using System.Text.Json;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Grains.Offsite;

/// <summary>
/// A committed snapshot's metadata as stored off-site (snapshots/&lt;id&gt;.json): plain JSON with ids as hex,
/// versioned on its own (Version), so that recovery does not depend on the cluster's serializer.
/// </summary>
public sealed record OffsiteSnapshotRecord(
    int Version,
    string Id,
    string Node,
    string Hostname,
    IReadOnlyList<string> Paths,
    IReadOnlyList<string> Tags,
    DateTimeOffset Time,
    string? Parent,
    string Root,
    SnapshotStats Stats,
    bool Incomplete)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Encode(SnapshotInfo s) => JsonSerializer.SerializeToUtf8Bytes(
        new OffsiteSnapshotRecord(1, s.Id.ToString(), s.Node, s.Hostname, s.Paths, s.Tags, s.Time, s.Parent?.ToString(), s.Root.ToString(), s.Stats, s.Incomplete), Json);

    /// <summary>The committed snapshot a record describes; CorruptDataException naming <paramref name="source"/> when it is not one.</summary>
    public static SnapshotInfo Decode(byte[] json, string source)
    {
        try
        {
            var r = JsonSerializer.Deserialize<OffsiteSnapshotRecord>(json, Json) ?? throw new JsonException("null");
            if (r.Version != 1)
            {
                throw new JsonException($"version {r.Version}; this node reads version 1");
            }

            return new SnapshotInfo(SnapshotId.Parse(r.Id), r.Node, r.Hostname, r.Paths, r.Tags, r.Time,
                r.Parent is null ? null : SnapshotId.Parse(r.Parent), ChunkId.Parse(r.Root), r.Stats, SnapshotState.Committed, r.Incomplete);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new CorruptDataException($"{source} is not a snapshot record: {e.Message}", inner: e);
        }
    }
}
