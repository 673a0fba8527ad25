// The node's durable queue of uploads, one directory per target:
//
//   DATA/offsite/queue/<target>/<sequence:D16>.<kind>.<name>   one pending upload
//
// A pack entry is empty (the bytes are read from the node's pack store when it goes up); a snapshot,
// configuration or key entry holds the object's bytes. Entries are written durably (temp file, fsync,
// rename) before Enqueue returns and deleted only after the target acknowledged the object, so a crash or
// kill -9 loses nothing: the uploader lists the directory again at start and resumes. Order matters for one
// rule only: a snapshot record goes up after every entry queued before it (its packs), so the bucket never
// names a snapshot whose packs are missing. The file's write time is the queue time (lag).
using System.Globalization;
using Vault.Storage;

namespace Vault.Offsite.Upload;

public sealed class OffsiteQueue
{
    private readonly string _root;
    private readonly object _gate = new();
    private long _sequence;

    public OffsiteQueue(string dataDir, IEnumerable<string> targets)
    {
        _root = Path.Combine(Path.GetFullPath(dataDir), "offsite", "queue");
        Targets = [.. targets.Order(StringComparer.Ordinal)];
        foreach (var target in Targets)
        {
            DurableFile.CreateDirectory(DirectoryOf(target));
            foreach (var entry in List(target))
            {
                _sequence = Math.Max(_sequence, entry.Sequence);
            }
        }
    }

    /// <summary>Raised after an entry is queued (wakes the uploader).</summary>
    public event Action? Enqueued;

    public IReadOnlyList<string> Targets { get; }

    /// <summary>Queues a pack for every target; returns its sequence number.</summary>
    public long EnqueuePack(PackId pack) => Enqueue(OffsiteEntryKind.Pack, pack.ToString(), ReadOnlyMemory<byte>.Empty);

    /// <summary>Queues a committed snapshot's record (JSON) for every target.</summary>
    public long EnqueueSnapshot(string snapshotId, ReadOnlyMemory<byte> json) => Enqueue(OffsiteEntryKind.Snapshot, snapshotId, json);

    /// <summary>Queues the repository configuration and the password-wrapped key (not the raw key).</summary>
    public void EnqueueRepository(ReadOnlyMemory<byte> configJson, ReadOnlyMemory<byte> wrappedKey)
    {
        Enqueue(OffsiteEntryKind.Config, "config", configJson);
        Enqueue(OffsiteEntryKind.WrappedKey, "key", wrappedKey);
    }

    /// <summary>The target's pending entries in queue order.</summary>
    public IReadOnlyList<OffsiteEntry> List(string target)
    {
        var dir = DirectoryOf(target);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var entries = new List<OffsiteEntry>();
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(file);
            if (DurableFile.IsTempName(name))
            {
                continue;
            }

            var parts = name.Split('.', 3);
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                || !Enum.TryParse<OffsiteEntryKind>(parts[1], ignoreCase: false, out var kind))
            {
                continue;
            }

            entries.Add(new OffsiteEntry(sequence, kind, parts[2], file, new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero)));
        }

        entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return entries;
    }

    /// <summary>The bytes a non-pack entry holds.</summary>
    public static byte[] ReadPayload(OffsiteEntry entry) => File.ReadAllBytes(entry.File);

    /// <summary>Removes an entry once its target holds the object.</summary>
    public void Complete(OffsiteEntry entry)
    {
        DurableFile.TryDelete(entry.File);
        Completed?.Invoke();
    }

    /// <summary>Raised after an entry left the queue.</summary>
    public event Action? Completed;

    /// <summary>Waits until no target has an entry queued at or before <paramref name="sequence"/> (synchronous mode).</summary>
    public async Task WaitUploadedAsync(long sequence, CancellationToken ct)
    {
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Action onChange = () => changed.TrySetResult();
            Completed += onChange;
            try
            {
                if (!Targets.Any(t => List(t).Any(e => e.Sequence <= sequence)))
                {
                    return;
                }

                // Also look again now and then: an entry completed by another process instance is seen on disk.
                await Task.WhenAny(changed.Task, Task.Delay(TimeSpan.FromSeconds(1), ct));
                ct.ThrowIfCancellationRequested();
            }
            finally
            {
                Completed -= onChange;
            }
        }
    }

    private long Enqueue(OffsiteEntryKind kind, string name, ReadOnlyMemory<byte> payload)
    {
        if (Targets.Count == 0)
        {
            return 0;
        }

        long sequence;
        lock (_gate)
        {
            sequence = ++_sequence;
        }

        foreach (var target in Targets)
        {
            var file = Path.Combine(DirectoryOf(target), $"{sequence.ToString("D16", CultureInfo.InvariantCulture)}.{kind}.{name}");
            DurableFile.Write(file, payload.Span, mode: null, overwrite: true);
        }

        Enqueued?.Invoke();
        return sequence;
    }

    private string DirectoryOf(string target) => Path.Combine(_root, target);
}
