using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Vault.Notifications.Tests.Infrastructure;

/// <summary>A receiver of the failover controller's webhooks: verifies "sha256=" + HMAC over the body alone, answering 401 otherwise.</summary>
public sealed class LegacyWebhookReceiver(string secret) : HttpFake("/failover")
{
    public ConcurrentQueue<FakeRequest> Verified { get; } = new();

    protected override FakeAnswer Answer(FakeRequest request)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body));
        var given = request.Headers.GetValueOrDefault("X-Vault-Signature") ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)))
        {
            return new FakeAnswer(401, "bad signature");
        }

        Verified.Enqueue(request);
        return new FakeAnswer(204);
    }
}
