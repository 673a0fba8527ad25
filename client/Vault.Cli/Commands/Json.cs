using System.Text.Json;
using System.Text.Json.Serialization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary>The JSON the CLI writes with --json: camelCase, numbers as numbers, times as ISO 8601 UTC.</summary>
public static class Json
{
    private static readonly JsonSerializerOptions _options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, _options);

    public static object Stats(SnapshotStats? s) => s is null ? new { } : new
    {
        files = s.Files,
        directories = s.Directories,
        filesUnchanged = s.FilesUnchanged,
        bytesTotal = s.BytesTotal,
        bytesNew = s.BytesNew,
        bytesStored = s.BytesStored,
        chunksNew = s.ChunksNew,
        chunksDeduplicated = s.ChunksDeduplicated,
        errors = s.Errors,
        durationSeconds = s.DurationSeconds,
    };

    public static object Progress(JobProgress? p) => p is null ? new { } : new
    {
        filesDone = p.FilesDone,
        filesTotal = p.FilesTotal,
        bytesDone = p.BytesDone,
        bytesTotal = p.BytesTotal,
        bytesNew = p.BytesNew,
        bytesStored = p.BytesStored,
        filesUnchanged = p.FilesUnchanged,
        chunksNew = p.ChunksNew,
        chunksDeduplicated = p.ChunksDeduplicated,
        errors = p.Errors,
        totalsKnown = p.TotalsKnown,
    };

    public static object Snapshot(Snapshot s) => new
    {
        id = s.Id,
        shortId = s.ShortId,
        node = s.Node,
        hostname = s.Hostname,
        paths = s.Paths.ToArray(),
        tags = s.Tags.ToArray(),
        time = s.Time?.ToDateTimeOffset(),
        parent = s.Parent.Length == 0 ? null : s.Parent,
        root = s.Root,
        stats = Stats(s.Stats),
        incomplete = s.Incomplete,
    };

    public static object File(FileEntry e) => new
    {
        path = e.Path,
        type = e.Type switch
        {
            FileType.File => "file",
            FileType.Directory => "dir",
            FileType.Symlink => "symlink",
            _ => "unknown",
        },
        mode = e.Mode,
        size = e.Size,
        mtime = e.Mtime?.ToDateTimeOffset(),
        linkTarget = e.LinkTarget.Length == 0 ? null : e.LinkTarget,
        uid = e.Uid,
        gid = e.Gid,
    };
}
