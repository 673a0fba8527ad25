using System.Text;

namespace Vault.Remote.Commands;

/// <summary>Keeps the first <c>limit</c> bytes of one output stream and counts the rest.</summary>
public sealed class OutputCapture(int limit)
{
    private readonly MemoryStream _kept = new();

    public long Total { get; private set; }

    public bool Truncated => Total > _kept.Length;

    public void Add(ReadOnlySpan<byte> data)
    {
        Total += data.Length;
        var room = limit - (int)_kept.Length;
        if (room > 0)
        {
            _kept.Write(data[..Math.Min(room, data.Length)]);
        }
    }

    /// <summary>The kept bytes as UTF-8 (a character cut at the limit becomes U+FFFD).</summary>
    public string Text() => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
}
