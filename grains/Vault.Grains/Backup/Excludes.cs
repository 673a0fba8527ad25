using System.Text;
using System.Text.RegularExpressions;

namespace Vault.Grains.Backup;

/// <summary>
/// Exclude patterns: a pattern without '/' matches a file or directory name anywhere
/// ("*.tmp", "node_modules"); a pattern with '/' matches the whole absolute path ("/home/*/cache").
/// '*' matches within one path component, '**' across components, '?' one character.
/// </summary>
public sealed class Excludes
{
    private readonly Regex[] _names;
    private readonly Regex[] _paths;

    public Excludes(IEnumerable<string> patterns)
    {
        var names = new List<Regex>();
        var paths = new List<Regex>();
        foreach (var raw in patterns)
        {
            var p = raw.Trim();
            if (p.Length == 0 || p.StartsWith('#'))
            {
                continue;
            }

            if (p.Contains('/'))
            {
                paths.Add(Compile(p.TrimEnd('/')));
            }
            else
            {
                names.Add(Compile(p));
            }
        }

        _names = [.. names];
        _paths = [.. paths];
    }

    public bool IsEmpty => _names.Length == 0 && _paths.Length == 0;

    public bool IsExcluded(string fullPath, string name)
    {
        foreach (var r in _names)
        {
            if (r.IsMatch(name))
            {
                return true;
            }
        }

        foreach (var r in _paths)
        {
            if (r.IsMatch(fullPath))
            {
                return true;
            }
        }

        return false;
    }

    private static Regex Compile(string glob)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));
    }
}
