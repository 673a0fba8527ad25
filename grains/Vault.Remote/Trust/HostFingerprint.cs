using System.Security.Cryptography;

namespace Vault.Remote.Trust;

/// <summary>
/// A host key's SHA256 fingerprint exactly as `ssh-keygen -l` prints it: "SHA256:" and the unpadded base64 of
/// the SHA-256 of the key blob (the base64 field of a known_hosts line, decoded).
/// </summary>
public readonly record struct HostFingerprint
{
    private const string Prefix = "SHA256:";

    private HostFingerprint(string value) => Value = value;

    public string Value { get; }

    public static HostFingerprint Of(ReadOnlySpan<byte> keyBlob) =>
        new(Prefix + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('='));

    public static bool TryParse(string? text, out HostFingerprint fingerprint)
    {
        fingerprint = default;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var b64 = text[Prefix.Length..];
        if (b64.Length != 43)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[33];
        if (!Convert.TryFromBase64String(b64 + "=", hash, out var written) || written != 32)
        {
            return false;
        }

        fingerprint = new HostFingerprint(text);
        return true;
    }

    public static HostFingerprint Parse(string text) =>
        TryParse(text, out var f) ? f : throw new FormatException($"'{text}' is not a SHA256 host key fingerprint (SHA256: and 43 base64 characters, as `ssh-keygen -l` prints it)");

    public override string ToString() => Value ?? "";
}
