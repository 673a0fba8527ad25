using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Failover.Tests.Fakes;

/// <summary>What the verifier was given: the request as it arrived on the wire.</summary>
public sealed record SigV4Request(string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>The outcome: null Code when the signature matches; otherwise AWS's error code and message.</summary>
public sealed record SigV4Outcome(string? Code, string Message, string CanonicalRequest, string StringToSign, string? Signature);

/// <summary>
/// Signature Version 4 recomputed on the receiving side, written from AWS's description of the
/// algorithm (canonical request → string to sign → HMAC chain) and independent of the client's signer.
/// Checked against AWS's published test-suite vectors; the fakes use it to accept or refuse requests
/// exactly as AWS does (InvalidClientTokenId, SignatureDoesNotMatch, IncompleteSignature, expired).
/// </summary>
public sealed class SigV4Verifier(IReadOnlyDictionary<string, string> secrets, string region, string service)
{
    public const string MismatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    public TimeSpan AllowedSkew { get; init; } = TimeSpan.FromMinutes(15);

    public DateTime? Now { get; init; }

    public SigV4Outcome Verify(SigV4Request request)
    {
        string? Header(string name) =>
            request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

        var authorization = Header("Authorization");
        if (authorization is null || !authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return new SigV4Outcome("MissingAuthenticationToken", "Missing Authentication Token", "", "", null);
        }

        var fields = authorization["AWS4-HMAC-SHA256 ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders) || !fields.TryGetValue("Signature", out var signature))
        {
            return new SigV4Outcome("IncompleteSignature", $"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization={authorization}", "", "", null);
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            return new SigV4Outcome("IncompleteSignature", $"Credential should be scoped to a valid region. Credential={credential}", "", "", null);
        }

        if (!secrets.TryGetValue(scope[0], out var secret))
        {
            return new SigV4Outcome("InvalidClientTokenId", "The security token included in the request is invalid.", "", "", null);
        }

        if (scope[2] != region || scope[3] != service)
        {
            return new SigV4Outcome("SignatureDoesNotMatch", $"Credential should be scoped to correct service and region: '{region}/{service}'.", "", "", null);
        }

        var amzDate = Header("X-Amz-Date") ?? "";
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return new SigV4Outcome("IncompleteSignature", "Date must be in ISO-8601 'basic format'. Got '" + amzDate + "'.", "", "", null);
        }

        var now = Now ?? DateTime.UtcNow;
        if ((now - signedAt).Duration() > AllowedSkew)
        {
            return new SigV4Outcome("InvalidSignatureException", $"Signature expired: {amzDate} is now earlier than {now.Add(-AllowedSkew):yyyyMMdd'T'HHmmss'Z'}", "", "", null);
        }

        var bodyHash = Hex(SHA256.HashData(request.Body));
        var claimed = Header("X-Amz-Content-SHA256");
        if (claimed is not null && claimed != "UNSIGNED-PAYLOAD" && claimed != bodyHash)
        {
            return new SigV4Outcome("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", "", "", null);
        }

        var canonical = CanonicalRequest(request, signedHeaders.Split(';'), claimed ?? bodyHash);
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{string.Join('/', scope[1..])}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), scope[1]), scope[2]), scope[3]), "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? new SigV4Outcome(null, "", canonical, stringToSign, expected)
            : new SigV4Outcome("SignatureDoesNotMatch", MismatchMessage, canonical, stringToSign, expected);
    }

    public static string CanonicalRequest(SigV4Request request, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var headers = signedHeaders.Select(name =>
        {
            var values = request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => Trim(h.Value));
            return $"{name}:{string.Join(',', values)}\n";
        });
        return $"{request.Method.ToUpperInvariant()}\n{(request.Path.Length == 0 ? "/" : request.Path)}\n{CanonicalQuery(request.Query)}\n{string.Concat(headers)}\n{string.Join(';', signedHeaders)}\n{payloadHash}";
    }

    private static string CanonicalQuery(string query)
    {
        var pairs = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            var kv = p.Split('=', 2);
            return (Key: Encode(Uri.UnescapeDataString(kv[0])), Value: Encode(Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : "")));
        });
        return string.Join('&', pairs.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
    }

    private static string Encode(string value)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return sb.ToString();
    }

    private static string Trim(string value) => string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
