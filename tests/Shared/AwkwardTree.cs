using System.Security.Cryptography;
using System.Text;

namespace Vault.Tests.Shared;

/// <summary>
/// A directory tree with the content that breaks backup tools: unicode and space-containing
/// names, empty files and directories, symlinks (relative, absolute, dangling, to directories),
/// files larger than the largest chunk, a sparse file, deep nesting, odd modes and exact mtimes.
/// </summary>
public static class AwkwardTree
{
    public static void Create(string root, int largeFileSize, int seed = 1)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(root);
        Write(Path.Combine(root, "unicode ✓ ünïcødé 日本語", "файл.txt"), Text(random, 10_000));
        Write(Path.Combine(root, "with space", "file name with spaces.txt"), Text(random, 3_000));
        Write(Path.Combine(root, "empty-file"), []);
        Directory.CreateDirectory(Path.Combine(root, "empty-dir"));
        Write(Path.Combine(root, "large.bin"), Bytes(random, largeFileSize));
        Write(Path.Combine(root, "large-text.log"), Text(random, largeFileSize));
        Write(Path.Combine(root, "tab\tand\nnewline"), Text(random, 100));
        Write(Path.Combine(root, "-starts-with-dash"), Text(random, 100));

        var sparse = Path.Combine(root, "sparse.img");
        using (var f = new FileStream(sparse, FileMode.Create))
        {
            f.SetLength(3L * largeFileSize);
            f.Position = largeFileSize;
            f.Write("in the middle of nothing"u8);
        }

        var deep = root;
        for (var i = 0; i < 40; i++)
        {
            deep = Path.Combine(deep, "d" + i);
        }

        Write(Path.Combine(deep, "bottom.txt"), Text(random, 500));

        var many = Path.Combine(root, "many");
        for (var i = 0; i < 150; i++)
        {
            Write(Path.Combine(many, $"small-{i:D3}.dat"), i % 2 == 0 ? Bytes(random, random.Next(0, 8192)) : Text(random, random.Next(0, 8192)));
        }

        File.CreateSymbolicLink(Path.Combine(root, "link-to-file"), "with space/file name with spaces.txt");
        File.CreateSymbolicLink(Path.Combine(root, "link-to-dir"), "many");
        File.CreateSymbolicLink(Path.Combine(root, "dangling-link"), "/nonexistent/target");
        File.CreateSymbolicLink(Path.Combine(root, "absolute-link"), "/etc/hostname");

        var script = Path.Combine(root, "script.sh");
        Write(script, "#!/bin/sh\necho hi\n"u8.ToArray());
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        var secret = Path.Combine(root, "secret.key");
        Write(secret, Bytes(random, 64));
        File.SetUnixFileMode(secret, (UnixFileMode)Convert.ToInt32("600", 8));
        File.SetUnixFileMode(Path.Combine(root, "empty-dir"), (UnixFileMode)Convert.ToInt32("700", 8));

        // Exact, distinct times (sub-microsecond parts included) on files and directories.
        var t = new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Where(p => new FileInfo(p).LinkTarget is null).OrderByDescending(p => p.Length))
        {
            t = t.AddSeconds(1);
            if (Directory.Exists(path))
            {
                Directory.SetLastWriteTimeUtc(path, t);
            }
            else
            {
                File.SetLastWriteTimeUtc(path, t);
            }
        }
    }

    public static byte[] Bytes(Random random, int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }

    public static byte[] Text(Random random, int n)
    {
        string[] words = ["backup", "restore", "chunk", "pack", "snapshot", "2024-01-01T00:00:00Z", "INFO", "WARN", "user=alice", "status=200", "latency_ms=12", "GET /index.html"];
        var sb = new StringBuilder(n + 64);
        while (sb.Length < n)
        {
            sb.Append(words[random.Next(words.Length)]).Append(random.Next(3) == 0 ? '\n' : ' ');
        }

        return Encoding.UTF8.GetBytes(sb.ToString())[..n];
    }

    private static void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Every difference between two trees (names, kinds, content, modes, mtimes, link targets); empty when equal.</summary>
    public static List<string> Differences(string expected, string actual)
    {
        var diffs = new List<string>();
        var a = Entries(expected);
        var b = Entries(actual);
        foreach (var missing in a.Keys.Except(b.Keys))
        {
            diffs.Add($"missing: {missing}");
        }

        foreach (var extra in b.Keys.Except(a.Keys))
        {
            diffs.Add($"extra: {extra}");
        }

        foreach (var (rel, e) in a)
        {
            if (!b.TryGetValue(rel, out var r))
            {
                continue;
            }

            if (e != r)
            {
                diffs.Add($"{rel}: expected {e}, got {r}");
            }
        }

        return diffs;
    }

    private static Dictionary<string, string> Entries(string root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var rel = Path.GetRelativePath(root, path);
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                result[rel] = $"symlink -> {target}";
            }
            else if (Directory.Exists(path))
            {
                result[rel] = $"dir mode {Mode(path)} mtime {Directory.GetLastWriteTimeUtc(path).Ticks}";
            }
            else
            {
                using var stream = File.OpenRead(path);
                var hash = Convert.ToHexString(SHA256.HashData(stream))[..16];
                result[rel] = $"file {info.Length} bytes sha {hash} mode {Mode(path)} mtime {info.LastWriteTimeUtc.Ticks}";
            }
        }

        return result;
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);
}
