using Microsoft.Extensions.Logging;
using Vault.Remote.Hosts;

namespace Vault.Remote.Trust;

public sealed partial class HostKeyTrust(RemoteHosts hosts, SshConnector connector, ILogger<HostKeyTrust> logger) : IHostKeyTrust
{
    public Task<HostKeyOffer> ScanAsync(string host, CancellationToken cancellationToken = default) =>
        connector.ScanAsync(hosts.Get(host), cancellationToken);

    public async Task<HostTrustResult> TrustAsync(string host, HostFingerprint expected, CancellationToken cancellationToken = default)
    {
        var target = hosts.Get(host);
        var offer = await connector.ScanAsync(target, cancellationToken);
        if (offer.Offered.Fingerprint != expected)
        {
            throw new RemoteHostKeyException(
                $"remote host '{host}' ({target.KnownHostsName}) offered {offer.Offered.Type} {offer.Offered.Fingerprint}, not the expected {expected}; nothing was recorded in {target.KnownHostsFile}");
        }

        if (offer.Verdict == HostKeyVerdict.Revoked)
        {
            throw new RemoteHostKeyException(offer.Refusal());
        }

        if (offer.Verdict == HostKeyVerdict.Trusted)
        {
            return new HostTrustResult(offer, [], AlreadyPinned: true);
        }

        var replaced = KnownHostsFile.Pin(target.KnownHostsFile, target.KnownHostsName, offer.Offered);
        Pinned(logger, host, offer.Offered.Fingerprint.Value, target.KnownHostsFile, string.Join(", ", replaced));
        return new HostTrustResult(offer, replaced, AlreadyPinned: false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host key {Fingerprint} of remote host {Host} pinned in {File} (replaced: {Replaced})")]
    private static partial void Pinned(ILogger logger, string host, string fingerprint, string file, string replaced);
}
