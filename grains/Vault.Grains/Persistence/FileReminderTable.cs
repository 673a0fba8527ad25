// The reminders of the embedded single node, in one JSON file under the state directory, so that
// reminders (and the schedules they drive) survive a restart. The whole table is rewritten on each
// change — temp file, fsync, rename, fsync of the directory — so a crash leaves the old table or the
// new one, never a torn one. Tables are small: one row per grain that holds a reminder.
//
// ETags: each write takes the next number of a counter stored with the table, so a row's ETag never
// repeats, not even after the row is removed and added again. An upsert replaces the row whatever
// its ETag (as the reminder service expects); a removal succeeds only with the row's current ETag.
using System.Globalization;
using System.Text.Json;
using Orleans.Runtime;
using Vault.Storage;

namespace Vault.Grains.Persistence;

public sealed class FileReminderTable(string path) : IReminderTable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly SemaphoreSlim _lock = new(1, 1);
    private Dictionary<(GrainId Grain, string Name), ReminderEntry>? _rows;
    private long _version;

    public string Path { get; } = path;

    public Task Init() => ReadAsync(() => true);

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        ReadAsync(() => new ReminderTableData(Rows.Values.Where(r => r.GrainId == grainId).Select(Copy)));

    /// <summary>Rows whose grain hash is in the ring range (begin, end], which wraps around when begin ≥ end.</summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        ReadAsync(() => new ReminderTableData(Rows.Values.Where(r => InRange(r.GrainId.GetUniformHashCode(), begin, end)).Select(Copy)));

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        ReadAsync(() => Rows.TryGetValue((grainId, reminderName), out var row) ? Copy(row) : null);

    public Task<string?> UpsertRow(ReminderEntry entry) => ChangeAsync<string?>(async () =>
    {
        var key = (entry.GrainId, entry.ReminderName);
        var previous = Rows.GetValueOrDefault(key);
        var row = Copy(entry);
        row.ETag = (_version + 1).ToString(CultureInfo.InvariantCulture);
        Rows[key] = row;
        await SaveOrUndoAsync(() => Restore(key, previous));
        return row.ETag;
    });

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => ChangeAsync(async () =>
    {
        var key = (grainId, reminderName);
        if (!Rows.TryGetValue(key, out var row) || row.ETag != eTag)
        {
            return false;
        }

        Rows.Remove(key);
        await SaveOrUndoAsync(() => Restore(key, row));
        return true;
    });

    public Task TestOnlyClearTable() => ChangeAsync(async () =>
    {
        var before = new Dictionary<(GrainId, string), ReminderEntry>(Rows);
        Rows.Clear();
        await SaveOrUndoAsync(() => _rows = before);
        return true;
    });

    public static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private Dictionary<(GrainId Grain, string Name), ReminderEntry> Rows => _rows!;

    private async Task<T> ReadAsync<T>(Func<T> read)
    {
        await _lock.WaitAsync();
        try
        {
            Load();
            return read();
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<T> ChangeAsync<T>(Func<Task<T>> change)
    {
        await _lock.WaitAsync();
        try
        {
            Load();
            return await change();
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Load()
    {
        if (_rows is not null)
        {
            return;
        }

        var rows = new Dictionary<(GrainId, string), ReminderEntry>();
        if (File.Exists(Path))
        {
            try
            {
                var file = JsonSerializer.Deserialize<TableFile>(File.ReadAllBytes(Path), Json)
                    ?? throw new JsonException("the file holds null");
                foreach (var r in file.Reminders)
                {
                    var row = new ReminderEntry
                    {
                        GrainId = GrainId.Parse(r.Grain),
                        ReminderName = r.Name,
                        StartAt = r.StartAt.UtcDateTime,
                        Period = r.Period,
                        ETag = r.ETag,
                    };
                    rows.Add((row.GrainId, row.ReminderName), row);
                }

                _version = file.Version;
            }
            catch (Exception e) when (e is JsonException or FormatException or ArgumentException or NotSupportedException)
            {
                throw new InvalidOperationException($"reminder table {Path} could not be read: {e.Message}", e);
            }
        }

        _rows = rows;
    }

    /// <summary>Writes the table with the next version; on failure undoes the change in memory and rethrows.</summary>
    private async Task SaveOrUndoAsync(Action undo)
    {
        var file = new TableFile(_version + 1, [.. Rows.Values
            .OrderBy(r => r.GrainId.ToString(), StringComparer.Ordinal).ThenBy(r => r.ReminderName, StringComparer.Ordinal)
            .Select(r => new TableRow(r.GrainId.ToString(), r.ReminderName, new DateTimeOffset(r.StartAt.Ticks, TimeSpan.Zero), r.Period, r.ETag ?? ""))]);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(file, Json);
        try
        {
            await Task.Run(() =>
            {
                DurableFile.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
                DurableFile.Write(Path, bytes, mode: null, overwrite: true);
            });
        }
        catch
        {
            undo();
            throw;
        }

        _version = file.Version;
    }

    private void Restore((GrainId, string) key, ReminderEntry? previous)
    {
        if (previous is null)
        {
            Rows.Remove(key);
        }
        else
        {
            Rows[key] = previous;
        }
    }

    private static ReminderEntry Copy(ReminderEntry e) => new()
    {
        GrainId = e.GrainId,
        ReminderName = e.ReminderName,
        StartAt = e.StartAt,
        Period = e.Period,
        ETag = e.ETag,
    };

    private sealed record TableFile(long Version, List<TableRow> Reminders);

    private sealed record TableRow(string Grain, string Name, DateTimeOffset StartAt, TimeSpan Period, string ETag);
}
