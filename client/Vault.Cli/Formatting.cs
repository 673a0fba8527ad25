using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Vault.V1;

namespace Vault.Cli;

/// <summary>Human formatting of sizes, rates, durations, modes and tables.</summary>
public static class Formatting
{
    private static readonly string[] _units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    private static readonly CultureInfo _invariant = CultureInfo.InvariantCulture;

    /// <summary>"0 B", "1023 B", "1.0 KiB", "1.5 MiB"...</summary>
    public static string Bytes(long bytes)
    {
        if (bytes < 0)
        {
            return "-" + Bytes(bytes == long.MinValue ? long.MaxValue : -bytes);
        }

        if (bytes < 1024)
        {
            return bytes.ToString(_invariant) + " B";
        }

        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < _units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        // 1023.96 KiB rounds to "1024.0 KiB"; show it as the next unit instead.
        if (Math.Round(value, 1) >= 1024 && unit < _units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", _invariant) + " " + _units[unit];
    }

    /// <summary>Throughput in MiB/s with one decimal; "-" when no time has passed.</summary>
    public static string Rate(long bytes, TimeSpan elapsed) =>
        elapsed <= TimeSpan.Zero ? "- MiB/s" : (bytes / 1048576.0 / elapsed.TotalSeconds).ToString("0.0", _invariant) + " MiB/s";

    /// <summary>"250ms", "4.2s", "3m07s", "2h05m09s".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            return ((int)duration.TotalMilliseconds).ToString(_invariant) + "ms";
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            return (Math.Floor(duration.TotalSeconds * 10) / 10).ToString("0.0", _invariant) + "s";
        }

        if (duration < TimeSpan.FromHours(1))
        {
            return string.Create(_invariant, $"{duration.Minutes}m{duration.Seconds:00}s");
        }

        return string.Create(_invariant, $"{(long)duration.TotalHours}h{duration.Minutes:00}m{duration.Seconds:00}s");
    }

    /// <summary>Estimated time left, or null when it cannot be estimated (totals unknown, nothing done yet).</summary>
    public static TimeSpan? Eta(JobProgress progress, TimeSpan elapsed)
    {
        if (!progress.TotalsKnown || progress.BytesDone <= 0 || elapsed <= TimeSpan.Zero)
        {
            return null;
        }

        var left = Math.Max(0, progress.BytesTotal - progress.BytesDone);
        return TimeSpan.FromSeconds(left * elapsed.TotalSeconds / progress.BytesDone);
    }

    /// <summary>The live progress line: files, bytes, rate and ETA.</summary>
    public static string ProgressLine(JobProgress progress, TimeSpan elapsed)
    {
        var total = progress.TotalsKnown ? "" : "+";
        var eta = Eta(progress, elapsed);
        return string.Create(_invariant,
            $"files {progress.FilesDone}/{progress.FilesTotal}{total}  " +
            $"{Bytes(progress.BytesDone)} / {Bytes(progress.BytesTotal)}{total}  " +
            $"{Rate(progress.BytesDone, elapsed)}  " +
            $"ETA {(eta is { } e ? Duration(e) : "?")}");
    }

    /// <summary>ls-style mode: type letter then rwx triplets with setuid, setgid and sticky bits.</summary>
    public static string Mode(FileType type, uint mode)
    {
        var text = new StringBuilder(10);
        text.Append(type switch
        {
            FileType.Directory => 'd',
            FileType.Symlink => 'l',
            FileType.File => '-',
            _ => '?',
        });
        AppendTriplet(text, mode >> 6, (mode & 0x800) != 0, 's');
        AppendTriplet(text, mode >> 3, (mode & 0x400) != 0, 's');
        AppendTriplet(text, mode, (mode & 0x200) != 0, 't');
        return text.ToString();
    }

    /// <summary>The first 8 characters of an id.</summary>
    public static string ShortId(string id) => id.Length <= 12 ? id : id[..12];

    /// <summary>A timestamp in the given zone, to the second; "-" when absent.</summary>
    public static string Time(Timestamp? time, TimeZoneInfo zone) =>
        time is null ? "-" : TimeZoneInfo.ConvertTime(time.ToDateTimeOffset(), zone).ToString("yyyy-MM-dd HH:mm:ss", _invariant);

    /// <summary>Columns padded to their widest cell, separated by two spaces; the last column is not padded.</summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, ISet<int>? rightAligned = null)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], i < row.Count ? row[i].Length : 0);
            }
        }

        var text = new StringBuilder();
        foreach (var row in all)
        {
            var line = new StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < row.Count ? row[i] : "";
                if (i > 0)
                {
                    line.Append("  ");
                }

                if (rightAligned?.Contains(i) == true)
                {
                    line.Append(cell.PadLeft(widths[i]));
                }
                else
                {
                    line.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i]));
                }
            }

            text.Append(line.ToString().TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    private static void AppendTriplet(StringBuilder text, uint bits, bool special, char specialLetter)
    {
        text.Append((bits & 4) != 0 ? 'r' : '-');
        text.Append((bits & 2) != 0 ? 'w' : '-');
        var execute = (bits & 1) != 0;
        text.Append(special
            ? (execute ? specialLetter : char.ToUpperInvariant(specialLetter))
            : (execute ? 'x' : '-'));
    }
}
