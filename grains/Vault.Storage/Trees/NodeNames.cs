using System.Text;

namespace Vault.Storage;

public static class NodeNames
{
    public const int MaxNameBytes = 255;

    /// <summary>False for "", ".", "..", names with '/' or NUL, or longer than 255 UTF-8 bytes.</summary>
    public static bool IsValid(string name, out string reason)
    {
        if (name is null)
        {
            reason = "the name is missing";
            return false;
        }

        if (name.Length == 0)
        {
            reason = "the name is empty";
            return false;
        }

        if (name is "." or "..")
        {
            reason = $"the name is '{name}'";
            return false;
        }

        if (name.Contains('/'))
        {
            reason = "the name contains '/'";
            return false;
        }

        if (name.Contains('\0'))
        {
            reason = "the name contains a NUL character";
            return false;
        }

        int bytes;
        try
        {
            bytes = TreeCodec.StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            reason = "the name is not valid Unicode (unpaired surrogate)";
            return false;
        }

        if (bytes > MaxNameBytes)
        {
            reason = $"the name is {bytes} bytes in UTF-8; at most {MaxNameBytes}";
            return false;
        }

        reason = "";
        return true;
    }

    /// <summary>A name made safe to print in a message (control characters escaped, long names cut).</summary>
    internal static string Display(string? name)
    {
        if (name is null)
        {
            return "(null)";
        }

        var sb = new StringBuilder(Math.Min(name.Length, 80) + 2);
        sb.Append('\'');
        foreach (var c in name.Length > 80 ? name[..80] : name)
        {
            if (char.IsControl(c))
            {
                sb.Append($"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append(name.Length > 80 ? "…'" : "'");
        return sb.ToString();
    }
}
