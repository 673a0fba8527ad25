using System.Collections.Concurrent;
using System.Text;

namespace Vault.Notifications.Tests.Infrastructure;

/// <summary>A webhook receiver that verifies the signature and timestamp as a real one should (5 minute tolerance), answering 401 when they fail.</summary>
public sealed class WebhookReceiver(string secret) : HttpFake("/hook")
{
    public ConcurrentQueue<FakeRequest> Verified { get; } = new();

    protected override FakeAnswer Answer(FakeRequest request)
    {
        var ok = WebhookSignature.Verify(Encoding.UTF8.GetBytes(secret), request.Headers.GetValueOrDefault("X-Vault-Timestamp"), request.Body,
            request.Headers.GetValueOrDefault("X-Vault-Signature"), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        if (!ok)
        {
            return new FakeAnswer(401, "bad signature");
        }

        Verified.Enqueue(request);
        return new FakeAnswer(204);
    }
}
