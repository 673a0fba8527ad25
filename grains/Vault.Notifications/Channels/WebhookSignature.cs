using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Notifications;

/// <summary>
/// The one HMAC-SHA256 webhook signer (failover notices and notification webhooks):
/// "sha256=" + lower-case hex of HMAC(secret, signed bytes). Notification webhooks sign
/// "&lt;unix seconds&gt;.&lt;body&gt;" and send the seconds in X-Vault-Timestamp, so a receiver can
/// refuse replays older than its tolerance.
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-Vault-Signature";
    public const string TimestampHeader = "X-Vault-Timestamp";

    public static string Sign(byte[] secret, ReadOnlySpan<byte> body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    public static string Sign(byte[] secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Sign(secret, signed);
    }

    /// <summary>What a receiver does: recompute, compare in constant time, and refuse a timestamp outside the tolerance.</summary>
    public static bool Verify(byte[] secret, string? timestamp, ReadOnlySpan<byte> body, string? signature, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || signature is null)
        {
            return false;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(signature));
    }
}
