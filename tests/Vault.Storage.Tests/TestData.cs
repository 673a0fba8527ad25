using System.Runtime.CompilerServices;

namespace Vault.Storage.Tests;

internal static class TestData
{
    /// <summary>Small chunker sizes so tests run fast.</summary>
    public static ChunkerOptions Small { get; } = new(4 * 1024, 16 * 1024, 64 * 1024);

    /// <summary>The fixed master key of the golden files: bytes 0..31.</summary>
    public static byte[] FixedMasterKey() => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    /// <summary>The fixed pack salt of the golden files: bytes 0xA0..0xBF.</summary>
    public static byte[] FixedSalt() => Enumerable.Range(0xA0, 32).Select(i => (byte)i).ToArray();

    public static RepositoryKeys FixedKeys() => RepositoryKeys.FromMasterKey(FixedMasterKey());

    /// <summary>Deterministic pseudo-random bytes (xorshift64*, independent of the runtime's Random).</summary>
    public static byte[] Random(int length, ulong seed)
    {
        var bytes = new byte[length];
        var x = seed * 0x9E3779B97F4A7C15UL | 1;
        for (var i = 0; i < length; i++)
        {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            bytes[i] = (byte)((x * 0x2545F4914F6CDD1DUL) >> 56);
        }

        return bytes;
    }

    public static byte[] Text(int length)
    {
        var words = "the quick brown fox jumps over the lazy dog while vault keeps every byte of it safe and sound "u8.ToArray();
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = words[(i * 7 / 5 + i / 97) % words.Length];
        }

        return bytes;
    }

    /// <summary>Splits a whole buffer the way a caller streams it: windows of min(remaining, MaxSize).</summary>
    public static List<(int Offset, int Length)> Split(Chunker chunker, ReadOnlySpan<byte> data)
    {
        var max = chunker.Options.MaxSize;
        var chunks = new List<(int, int)>();
        var pos = 0;
        while (pos < data.Length)
        {
            var remaining = data.Length - pos;
            var n = chunker.NextBoundary(data.Slice(pos, Math.Min(remaining, max)), final: remaining <= max);
            Assert.InRange(n, 1, Math.Min(remaining, max));
            chunks.Add((pos, n));
            pos += n;
        }

        return chunks;
    }
}

/// <summary>A temporary directory removed at the end of the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vault-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Golden files: compared byte for byte; rewritten in the source tree when VAULT_REGENERATE_GOLDEN=1.</summary>
internal static class Golden
{
    public static bool Regenerating => Environment.GetEnvironmentVariable("VAULT_REGENERATE_GOLDEN") == "1";

    public static string SourcePath(string name, [CallerFilePath] string source = "") =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(source)!, "Golden", name);

    public static byte[] Read(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "Golden", name);
        Assert.True(File.Exists(path), $"The golden file {name} is missing; create it with VAULT_REGENERATE_GOLDEN=1 and commit it.");
        return File.ReadAllBytes(path);
    }

    public static void Write(string name, byte[] bytes) => File.WriteAllBytes(SourcePath(name), bytes);

    public static void AssertMatches(string name, byte[] actual, string? hint = null)
    {
        if (Regenerating)
        {
            Write(name, actual);
            return;
        }

        var expected = Read(name);
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        var first = 0;
        while (first < Math.Min(expected.Length, actual.Length) && expected[first] == actual[first])
        {
            first++;
        }

        Assert.Fail(
            $"The bytes differ from the golden file {name} (expected {expected.Length} bytes, got {actual.Length}; first difference at byte {first}). " +
            "This means the on-disk format changed. Existing repositories must stay readable, so a format change has to be deliberate: " +
            "bump the format version, keep a reader for the old one, then regenerate with VAULT_REGENERATE_GOLDEN=1 and commit the new file." +
            (hint is null ? "" : " " + hint));
    }
}
