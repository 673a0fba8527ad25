using System.Text;

namespace Vault.Benchmarks;

/// <summary>Deterministic inputs: random (incompressible) and log-like text (compressible ~3-5x).</summary>
internal static class TestData
{
    public const int MiB = 1024 * 1024;

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Text(int length, int seed)
    {
        var rng = new Random(seed);
        string[] levels = ["INFO", "WARN", "DEBUG", "ERROR", "TRACE"];
        string[] words =
        [
            "request", "completed", "user", "session", "opened", "closed", "cache", "miss", "hit", "latency",
            "bytes", "upstream", "timeout", "retry", "commit", "rollback", "queue", "worker", "shard", "lease",
        ];
        var sb = new StringBuilder(length + 256);
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        while (sb.Length < length)
        {
            t = t.AddMilliseconds(rng.Next(1, 5000));
            sb.Append(t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture))
              .Append(' ').Append(levels[rng.Next(levels.Length)])
              .Append(" id=").Append(rng.Next(1_000_000).ToString("x6", System.Globalization.CultureInfo.InvariantCulture));
            var n = rng.Next(3, 10);
            for (var i = 0; i < n; i++)
            {
                sb.Append(' ').Append(words[rng.Next(words.Length)]);
            }

            sb.Append(" ms=").Append(rng.Next(0, 2000)).Append('\n');
        }

        var bytes = Encoding.ASCII.GetBytes(sb.ToString());
        return bytes.AsSpan(0, length).ToArray();
    }

    /// <summary>A fixed master key so every run derives the same keys.</summary>
    public static byte[] MasterKey()
    {
        var key = new byte[32];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(i * 7 + 1);
        }

        return key;
    }
}
