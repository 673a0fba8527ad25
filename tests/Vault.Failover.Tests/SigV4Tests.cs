using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.Internal.Auth;
using Vault.Failover.Tests.Fakes;
using Vault.Grains.Failover.Dns;

namespace Vault.Failover.Tests;

/// <summary>
/// Signature Version 4, proved with AWS's published test-suite vectors (TestData/sigv4-vectors.json):
/// the fakes' verifier reproduces each case's canonical request and signature from the raw request;
/// AWSSDK.Core's signing-key derivation and HMAC reproduce each signature from the canonical request;
/// and requests signed by the provider's signer are accepted by the verifier — and refused exactly as
/// AWS refuses them when the secret is wrong or a signed header or the body changed after signing.
/// </summary>
public sealed class SigV4Tests
{
    private static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Suite().GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verifier_ReproducesTheSuitesCanonicalRequestAndSignature(string name)
    {
        var (request, vector) = Vector(name);
        var outcome = Verifier().Verify(request);

        Assert.Null(outcome.Code);
        Assert.Equal(vector.GetProperty("signature").GetString(), outcome.Signature);
        if (vector.GetProperty("canonicalRequest").GetString() is { } creq)
        {
            Assert.Equal(creq, outcome.CanonicalRequest);
        }

        // One hex digit off: refused as AWS refuses it.
        var signature = vector.GetProperty("signature").GetString()!;
        var tampered = request with
        {
            Headers = request.Headers.Select(h => h.Key == "Authorization"
                ? new KeyValuePair<string, string>(h.Key, h.Value.Replace(signature, (signature[0] == '0' ? "1" : "0") + signature[1..], StringComparison.Ordinal))
                : h).ToList(),
        };
        var refused = Verifier().Verify(tampered);
        Assert.Equal("SignatureDoesNotMatch", refused.Code);
        Assert.Equal(SigV4Verifier.MismatchMessage, refused.Message);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SdkSigner_DerivesTheSuitesSignatureFromTheCanonicalRequest(string name)
    {
        var (request, vector) = Vector(name);
        var canonical = Verifier().Verify(request).CanonicalRequest;
        var suite = Suite();

        var result = AWS4Signer.ComputeSignature(suite.GetProperty("accessKeyId").GetString()!, suite.GetProperty("secretAccessKey").GetString()!,
            "us-east-1", SuiteTime, "service", vector.GetProperty("signedHeaders").GetString()!, canonical);

        Assert.Equal(vector.GetProperty("signature").GetString(), result.Signature);
    }

    [Fact]
    public void ProviderSigner_IsAcceptedByTheVerifier_AndRefusedForAWrongSecretOrAChangedHeaderOrBody()
    {
        var body = Encoding.UTF8.GetBytes("<ChangeResourceRecordSetsRequest/>");
        var uri = new Uri("http://127.0.0.1:18080/2013-04-01/hostedzone/Z0VAULTTEST/rrset?name=pg.vault.test.&type=A");
        var signed = new AwsRequestSigner(FakeRoute53.AccessKeyId, FakeRoute53.SecretAccessKey, "us-east-1", "route53")
            .Sign(HttpMethod.Post, uri, body, "text/xml", signedAt: SuiteTime);
        var verifier = new SigV4Verifier(new Dictionary<string, string> { [FakeRoute53.AccessKeyId] = FakeRoute53.SecretAccessKey }, "us-east-1", "route53") { Now = SuiteTime };

        Assert.Null(verifier.Verify(Wire(signed, uri, body)).Code);

        var wrongSecret = new AwsRequestSigner(FakeRoute53.AccessKeyId, "not-the-secret", "us-east-1", "route53").Sign(HttpMethod.Post, uri, body, "text/xml", signedAt: SuiteTime);
        Assert.Equal("SignatureDoesNotMatch", verifier.Verify(Wire(wrongSecret, uri, body)).Code);

        var unknownKey = new AwsRequestSigner("AKIDUNKNOWN", FakeRoute53.SecretAccessKey, "us-east-1", "route53").Sign(HttpMethod.Post, uri, body, "text/xml", signedAt: SuiteTime);
        Assert.Equal("InvalidClientTokenId", verifier.Verify(Wire(unknownKey, uri, body)).Code);

        var changedType = Wire(signed, uri, body);
        changedType = changedType with { Headers = changedType.Headers.Select(h => h.Key == "Content-Type" ? new KeyValuePair<string, string>(h.Key, "application/xml") : h).ToList() };
        Assert.Equal("SignatureDoesNotMatch", verifier.Verify(changedType).Code);

        Assert.Equal("XAmzContentSHA256Mismatch", verifier.Verify(Wire(signed, uri, Encoding.UTF8.GetBytes("<Other/>"))).Code);

        var late = new SigV4Verifier(new Dictionary<string, string> { [FakeRoute53.AccessKeyId] = FakeRoute53.SecretAccessKey }, "us-east-1", "route53") { Now = SuiteTime.AddMinutes(16) };
        Assert.Equal("InvalidSignatureException", late.Verify(Wire(signed, uri, body)).Code);
    }

    private static SigV4Request Wire(HttpRequestMessage signed, Uri uri, byte[] body)
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", uri.Authority) };
        headers.AddRange(signed.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
        headers.AddRange(signed.Content!.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
        return new SigV4Request(signed.Method.Method, uri.AbsolutePath, uri.Query.TrimStart('?'), headers, body);
    }

    private static SigV4Verifier Verifier()
    {
        var suite = Suite();
        return new SigV4Verifier(new Dictionary<string, string> { [suite.GetProperty("accessKeyId").GetString()!] = suite.GetProperty("secretAccessKey").GetString()! },
            suite.GetProperty("region").GetString()!, suite.GetProperty("service").GetString()!) { Now = SuiteTime };
    }

    private static (SigV4Request Request, JsonElement Vector) Vector(string name)
    {
        var suite = Suite();
        var vector = suite.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var headers = vector.GetProperty("headers").EnumerateArray().Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!)).ToList();
        headers.Add(new("Authorization", string.Create(CultureInfo.InvariantCulture,
            $"AWS4-HMAC-SHA256 Credential={suite.GetProperty("accessKeyId").GetString()}/20150830/us-east-1/service/aws4_request, SignedHeaders={vector.GetProperty("signedHeaders").GetString()}, Signature={vector.GetProperty("signature").GetString()}")));
        return (new SigV4Request(vector.GetProperty("method").GetString()!, vector.GetProperty("path").GetString()!, vector.GetProperty("query").GetString()!,
            headers, Encoding.UTF8.GetBytes(vector.GetProperty("body").GetString()!)), vector);
    }

    private static JsonElement Suite() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "sigv4-vectors.json"))).RootElement;
}
