// The upstream include file of an open-source Nginx, edited in place: only the `server ADDRESS ...;` lines
// of the named upstream block change (their `down` flag and `weight=`), every other line stays as the
// operator wrote it. The file may hold an http{} or a stream{} upstream; both take `down` and `weight`.
//
//   upstream pg {
//       server 127.0.0.1:5432;
//       server 127.0.0.1:5433 down;
//   }
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vault.Grains.Failover.Traffic;

public sealed partial class NginxUpstreamFile
{
    private readonly List<string> _lines;
    private readonly int _open;
    private readonly int _close;

    private NginxUpstreamFile(List<string> lines, int open, int close)
    {
        _lines = lines;
        _open = open;
        _close = close;
    }

    /// <summary>Finds the upstream block; throws FormatException naming what is missing.</summary>
    public static NginxUpstreamFile Parse(string text, string upstream)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var open = lines.FindIndex(l => UpstreamOpen().Match(l) is { Success: true } m && m.Groups[1].Value == upstream);
        if (open < 0)
        {
            throw new FormatException($"no 'upstream {upstream} {{' block");
        }

        var close = lines.FindIndex(open + 1, l => l.Trim() == "}");
        return close < 0 ? throw new FormatException($"the 'upstream {upstream}' block has no closing '}}' on a line of its own") : new NginxUpstreamFile(lines, open, close);
    }

    /// <summary>The servers of the block: address, down, weight (null when not written).</summary>
    public IReadOnlyList<(string Address, bool Down, int? Weight)> Servers =>
        Enumerable.Range(_open + 1, _close - _open - 1).Select(i => ServerLine().Match(_lines[i])).Where(m => m.Success)
            .Select(m => (m.Groups["addr"].Value, Params(m).Contains("down"), Weight(Params(m)))).ToList();

    public (string Address, bool Down, int? Weight)? Find(string address) =>
        Servers.Where(s => s.Address == address).Select(s => ((string, bool, int?)?)s).FirstOrDefault();

    /// <summary>Sets the server's `down` flag and, when given, its weight; false when the address is not in the block.</summary>
    public bool Set(string address, bool down, int? weight = null)
    {
        for (var i = _open + 1; i < _close; i++)
        {
            var m = ServerLine().Match(_lines[i]);
            if (!m.Success || m.Groups["addr"].Value != address)
            {
                continue;
            }

            var kept = Params(m).Where(p => p != "down" && (weight is null || !p.StartsWith("weight=", StringComparison.Ordinal))).ToList();
            if (weight is { } w)
            {
                kept.Add(string.Create(CultureInfo.InvariantCulture, $"weight={w}"));
            }

            if (down)
            {
                kept.Add("down");
            }

            _lines[i] = $"{m.Groups["indent"].Value}server {address}{string.Concat(kept.Select(p => " " + p))};{m.Groups["rest"].Value}";
            return true;
        }

        return false;
    }

    public override string ToString() => string.Join('\n', _lines);

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToString());

    private static List<string> Params(Match m) =>
        m.Groups["params"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static int? Weight(List<string> parameters) =>
        parameters.FirstOrDefault(p => p.StartsWith("weight=", StringComparison.Ordinal)) is { } w &&
        int.TryParse(w.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    [GeneratedRegex(@"^\s*upstream\s+([A-Za-z0-9_.-]+)\s*\{\s*(#.*)?$")]
    private static partial Regex UpstreamOpen();

    [GeneratedRegex(@"^(?<indent>\s*)server\s+(?<addr>[^\s;]+)(?<params>[^;]*);(?<rest>.*)$")]
    private static partial Regex ServerLine();
}
