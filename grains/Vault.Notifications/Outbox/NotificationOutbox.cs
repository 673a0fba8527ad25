using System.Text.Json;
using System.Text.Json.Serialization;
using Vault.Storage;

namespace Vault.Notifications;

/// <summary>
/// The node's outbox: one JSON file (notifications/outbox.json under the data directory) rewritten
/// crash-safely on every change (temp file, fsync, atomic rename, fsync of the directory). A crash at
/// any point leaves either the old or the new file, so an event accepted by Publish is delivered after
/// a restart; a delivery whose send succeeded but whose completion was not yet written is sent again
/// (at-least-once; receivers de-duplicate on the delivery id, PagerDuty on the dedup key).
/// An unreadable file is moved aside (named in the log) rather than overwritten.
/// </summary>
public sealed class NotificationOutbox
{
    public const string FileName = "outbox.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock _gate = new();
    private readonly string? _path;
    private readonly OutboxState _state;

    private NotificationOutbox(string? path, OutboxState state, string? setAside)
    {
        _path = path;
        _state = state;
        SetAside = setAside;
    }

    /// <summary>Where an unreadable outbox file was moved at open, or null.</summary>
    public string? SetAside { get; }

    /// <summary>Opens (or creates) the outbox in <paramref name="directory"/>; null keeps it in memory only (no data directory).</summary>
    public static NotificationOutbox Open(string? directory)
    {
        if (directory is null)
        {
            return new NotificationOutbox(null, new OutboxState(), null);
        }

        DurableFile.CreateDirectory(directory, DurableFile.OwnerOnlyDirectory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return new NotificationOutbox(path, new OutboxState(), null);
        }

        try
        {
            var state = JsonSerializer.Deserialize<OutboxState>(File.ReadAllBytes(path), Json)
                ?? throw new JsonException("the file holds null");
            if (state.FormatVersion != OutboxState.Version)
            {
                throw new JsonException($"format version {state.FormatVersion}, expected {OutboxState.Version}");
            }

            return new NotificationOutbox(path, state, null);
        }
        catch (JsonException)
        {
            var aside = $"{path}.unreadable-{DateTime.UtcNow:yyyyMMddTHHmmss}";
            File.Move(path, aside);
            DurableFile.SyncDirectory(directory);
            return new NotificationOutbox(path, new OutboxState(), aside);
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> on the state under the outbox lock, then persists it before returning
    /// (unless <paramref name="changed"/> says the result left the state as it was).
    /// </summary>
    public T Change<T>(Func<OutboxState, T> change, Func<T, bool>? changed = null)
    {
        lock (_gate)
        {
            var result = change(_state);
            if (changed is null || changed(result))
            {
                Save();
            }

            return result;
        }
    }

    /// <summary>Reads the state under the lock (nothing is written).</summary>
    public T Read<T>(Func<OutboxState, T> read)
    {
        lock (_gate)
        {
            return read(_state);
        }
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(_state, Json);
        DurableFile.Write(_path, bytes, DurableFile.OwnerOnlyFile, overwrite: true);
    }
}
