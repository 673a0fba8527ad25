// AWS Signature Version 4 for raw HTTP requests, computed by AWSSDK.Core's public signer
// (Amazon.Runtime.Signing.AWSSigV4Signer) with the payload hash signed. The signer adds X-Amz-Date,
// X-Amz-Content-SHA256 and Authorization; they are copied onto the request unchanged.
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace Vault.Grains.Failover.Dns;

public sealed class AwsRequestSigner(string accessKeyId, string secretAccessKey, string region, string service)
{
    /// <summary>Builds a signed request; <paramref name="headers"/> are signed too. <paramref name="signedAt"/> only for tests.</summary>
    public HttpRequestMessage Sign(HttpMethod method, Uri uri, byte[]? body, string? contentType, IReadOnlyDictionary<string, string>? headers = null,
        DateTime? signedAt = null)
    {
        var toSign = new AWSSigningRequest { HttpMethod = method, RequestUri = uri, Content = body ?? [] };
        if (contentType is not null)
        {
            toSign.Headers["Content-Type"] = contentType;
        }

        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            toSign.Headers[k] = v;
        }

        var result = AWSSigV4Signer.Sign(toSign, new AWSSigV4Parameters
        {
            Credentials = new BasicAWSCredentials(accessKeyId, secretAccessKey),
            Region = RegionEndpoint.GetBySystemName(region),
            Service = service,
            SignPayload = true,
            SignedAt = signedAt,
        });

        var request = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        foreach (var (k, v) in result.Headers)
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        return request;
    }
}
