using System.Globalization;

namespace Vault.Grains.Failover.Traffic;

/// <summary>
/// One server line of HAProxy's `show stat` CSV (the same on the runtime API and the stats page's ";csv").
/// Columns are found by the header's names, not by position, so a version that adds columns still parses.
/// </summary>
public sealed record HaproxyStatRow(string Backend, string Server, string Status, long Sessions, int? Weight)
{
    public static HaproxyStatRow? Find(string csv, string backend, string server)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
        var columns = (header ?? "# pxname,svname").TrimStart('#', ' ').Split(',');
        int Column(string name, int fallback) => Array.IndexOf(columns, name) is var i and >= 0 ? i : fallback;
        int scur = Column("scur", 4), status = Column("status", 17), weight = Column("weight", 18);
        foreach (var line in lines)
        {
            var f = line.Split(',');
            if (f.Length > status && f[0] == backend && f[1] == server)
            {
                return new HaproxyStatRow(backend, server, f[status],
                    long.TryParse(f[scur], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0,
                    f.Length > weight && int.TryParse(f[weight], NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : null);
            }
        }

        return null;
    }

    /// <summary>Every backend/server pair present, for the pre-flight's report.</summary>
    public static bool HasBackend(string csv, string backend) =>
        csv.Split('\n').Any(l => l.StartsWith(backend + ",BACKEND,", StringComparison.Ordinal));
}
