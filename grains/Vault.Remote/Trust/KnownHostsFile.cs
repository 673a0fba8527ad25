// An OpenSSH known_hosts file: "PATTERNS KEYTYPE BASE64 [COMMENT]" per line, optionally preceded by a marker
// (@revoked, @cert-authority). PATTERNS is a comma list of host names with '*'/'?' wildcards and '!' negation,
// "[host]:port" for a port other than 22, or one hashed name "|1|SALT|HMAC-SHA1(SALT, name)". Lines that do
// not parse are skipped, as ssh does. Pinning rewrites the file through a temporary name and a rename, so a
// crash leaves either the old file or the new one.
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Vault.Remote.Trust;

public sealed class KnownHostsFile
{
    private static readonly object WriteLock = new();

    private KnownHostsFile(string path, IReadOnlyList<KnownHostEntry> entries)
    {
        Path = path;
        Entries = entries;
    }

    public string Path { get; }

    public IReadOnlyList<KnownHostEntry> Entries { get; }

    /// <summary>Reads the file; a file that does not exist yet has no entries.</summary>
    public static KnownHostsFile Load(string path) =>
        new(path, File.Exists(path) ? Parse(File.ReadAllLines(path)) : []);

    public static IReadOnlyList<KnownHostEntry> Parse(IEnumerable<string> lines)
    {
        var entries = new List<KnownHostEntry>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            string? marker = null;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0];
                fields = fields[1..];
            }

            if (fields.Length < 3)
            {
                continue;
            }

            try
            {
                var key = HostKey.FromBlob(Convert.FromBase64String(fields[2]));
                if (key.Type == fields[1])
                {
                    entries.Add(new KnownHostEntry(fields[0], marker, key, number));
                }
            }
            catch (FormatException)
            {
                // ssh skips a line it cannot read; so does Vault.
            }
        }

        return entries;
    }

    /// <summary>The keys pinned for a host name (as <c>RemoteHostOptions.KnownHostsName</c>), without CA and revoked lines.</summary>
    public IReadOnlyList<HostKey> PinnedKeys(string hostName) =>
        Entries.Where(e => e.Marker is null && Matches(e.Patterns, hostName)).Select(e => e.Key).ToList();

    /// <summary>Whether a key is listed as @revoked (for any host).</summary>
    public bool IsRevoked(HostKey key) => Entries.Any(e => e.Marker == "@revoked" && e.Key.SameKey(key));

    /// <summary>
    /// Pins <paramref name="key"/> for <paramref name="hostName"/>: lines that name exactly this host (plainly or
    /// hashed) and carry another key are removed, the new line is appended. Other lines are kept as they are.
    /// Returns the fingerprints that were replaced.
    /// </summary>
    public static IReadOnlyList<HostFingerprint> Pin(string path, string hostName, HostKey key)
    {
        lock (WriteLock)
        {
            var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
            var replaced = new List<HostFingerprint>();
            var kept = new List<string>();
            var alreadyPinned = false;
            foreach (var line in lines)
            {
                var entry = Parse([line]).SingleOrDefault();
                if (entry is { Marker: null } && NamesExactly(entry.Patterns, hostName))
                {
                    if (entry.Key.SameKey(key))
                    {
                        alreadyPinned = true;
                        kept.Add(line);
                    }
                    else
                    {
                        replaced.Add(entry.Key.Fingerprint);
                    }

                    continue;
                }

                kept.Add(line);
            }

            if (!alreadyPinned)
            {
                kept.Add(key.ToKnownHostsLine(hostName));
            }

            var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
            var mode = File.Exists(path) ? File.GetUnixFileMode(path) : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            File.WriteAllText(temp, string.Join('\n', kept) + "\n");
            File.SetUnixFileMode(temp, mode);
            File.Move(temp, path, overwrite: true);
            return replaced;
        }
    }

    /// <summary>ssh's rule: some pattern matches and no negated pattern does.</summary>
    public static bool Matches(string patterns, string hostName)
    {
        if (patterns.StartsWith("|1|", StringComparison.Ordinal))
        {
            return HashedMatches(patterns, hostName);
        }

        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            var negated = pattern.StartsWith('!');
            var p = negated ? pattern[1..] : pattern;
            if (Glob(p, hostName))
            {
                if (negated)
                {
                    return false;
                }

                matched = true;
            }
        }

        return matched;
    }

    private static bool NamesExactly(string patterns, string hostName) =>
        patterns.StartsWith("|1|", StringComparison.Ordinal)
            ? HashedMatches(patterns, hostName)
            : patterns.Split(',').Any(p => string.Equals(p, hostName, StringComparison.OrdinalIgnoreCase));

    private static bool HashedMatches(string pattern, string hostName)
    {
        var parts = pattern.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(hostName));
            return CryptographicOperations.FixedTimeEquals(expected, actual);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Glob(string pattern, string name) =>
        !pattern.Contains('*') && !pattern.Contains('?')
            ? string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase)
            : Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
