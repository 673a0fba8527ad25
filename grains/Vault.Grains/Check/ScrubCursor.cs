using System.Text.Json;
using Vault.Storage;

namespace Vault.Grains.Check;

/// <summary>
/// Where a node's scrubber is, persisted as a small JSON file in the data directory (a few KB,
/// whatever the number of packs): the prefix directory being walked and the last pack verified in
/// it, and when the walk last entered each of the 256 prefix directories. Those 256 times are all
/// that coverage needs: a pack of directory b that existed when the walk entered b (file time
/// earlier than that) was verified at that time or later.
/// </summary>
public sealed class ScrubCursor
{
    public const int Prefixes = 256;

    /// <summary>At most this many unrepaired packs are remembered (reported in node status).</summary>
    public const int MaxUnrepaired = 100;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public int Version { get; set; } = 1;

    /// <summary>The prefix directory being walked (0–255); 256 once every directory is done (the cycle is complete).</summary>
    public int Prefix { get; set; }

    /// <summary>The last pack verified in <see cref="Prefix"/>; null = none yet.</summary>
    public string? After { get; set; }

    public DateTimeOffset CycleStarted { get; set; }

    public DateTimeOffset? LastCycleCompleted { get; set; }

    public long CyclePacks { get; set; }

    public long CycleBytes { get; set; }

    /// <summary>When the walk last entered each prefix directory: in this cycle below <see cref="Prefix"/>, in the previous one above it.</summary>
    public DateTimeOffset?[] Entered { get; set; } = new DateTimeOffset?[Prefixes];

    /// <summary>The value <see cref="Entered"/>[<see cref="Prefix"/>] had before this cycle entered it: bounds the packs after <see cref="After"/>.</summary>
    public DateTimeOffset? EnteredBefore { get; set; }

    /// <summary>Damaged local copies found (a copy still damaged in a later cycle is not counted again).</summary>
    public long CorruptFound { get; set; }

    public long Repaired { get; set; }

    /// <summary>Damaged copies left in place, hex ids, oldest first (at most <see cref="MaxUnrepaired"/>).</summary>
    public List<string> Unrepaired { get; set; } = [];

    public static ScrubCursor Start(DateTimeOffset now)
    {
        var cursor = new ScrubCursor();
        cursor.BeginCycle(now);
        return cursor;
    }

    /// <summary>Starts a new cycle at the first directory. A directory whose walk is abandoned gets back its earlier time.</summary>
    public void BeginCycle(DateTimeOffset now)
    {
        if (Prefix < Prefixes)
        {
            Entered[Prefix] = EnteredBefore;
        }

        CycleStarted = now;
        CyclePacks = 0;
        CycleBytes = 0;
        Enter(0, now);
    }

    /// <summary>Moves the walk to <paramref name="prefix"/> (256: past the last directory).</summary>
    public void Enter(int prefix, DateTimeOffset now)
    {
        Prefix = prefix;
        After = null;
        if (prefix < Prefixes)
        {
            EnteredBefore = Entered[prefix];
            Entered[prefix] = now;
        }
    }

    /// <summary>A time at or before which <paramref name="pack"/> was last verified, if it existed then; null when unknown.</summary>
    public DateTimeOffset? VerifiedSince(PackId pack)
    {
        var hex = pack.ToString();
        var prefix = Convert.ToInt32(hex[..2], 16);
        if (prefix != Prefix)
        {
            return Entered[prefix];
        }

        return After is not null && string.CompareOrdinal(hex, After) <= 0 ? Entered[prefix] : EnteredBefore;
    }

    /// <summary>
    /// Whether the pack (its file last written at <paramref name="written"/>) is known to have been
    /// verified within <paramref name="period"/> before <paramref name="now"/>. A pack written after its
    /// directory was entered counts as not verified yet, even when it was (conservative).
    /// </summary>
    public bool Covers(PackId pack, DateTimeOffset written, DateTimeOffset now, TimeSpan period) =>
        VerifiedSince(pack) is { } since && since >= now - period && written < since;

    public bool MarkUnrepaired(PackId pack)
    {
        var hex = pack.ToString();
        if (Unrepaired.Contains(hex))
        {
            return false;
        }

        if (Unrepaired.Count < MaxUnrepaired)
        {
            Unrepaired.Add(hex);
        }

        return true;
    }

    public void ClearUnrepaired(PackId pack) => Unrepaired.Remove(pack.ToString());

    /// <summary>The cursor saved at <paramref name="path"/>; null when there is none or it cannot be read (the caller starts over).</summary>
    public static ScrubCursor? Load(string path)
    {
        try
        {
            var cursor = JsonSerializer.Deserialize<ScrubCursor>(File.ReadAllBytes(path), Json);
            return cursor is { Version: 1, Entered.Length: Prefixes, Prefix: >= 0 and <= Prefixes } ? cursor : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the cursor through a temp file and a rename, so a crash leaves the old or the new one (not fsynced: losing it only repeats work).</summary>
    public void Save(string path)
    {
        var tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(tmp, options))
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(this, Json));
        }

        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>The scrubber's pace: each pack gets its byte share of the period, and never less than the maximum rate allows.</summary>
public static class ScrubPace
{
    /// <summary>How long verifying a pack of <paramref name="packBytes"/> should take, waiting included, on a node holding <paramref name="nodeBytes"/>.</summary>
    public static TimeSpan Delay(long packBytes, long nodeBytes, TimeSpan period, long maxBytesPerSecond)
    {
        var share = period.TotalSeconds * packBytes / Math.Max(nodeBytes, packBytes);
        var floor = (double)packBytes / Math.Max(1, maxBytesPerSecond);
        return TimeSpan.FromSeconds(Math.Max(share, floor));
    }
}
