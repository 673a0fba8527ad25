namespace Vault.Remote.Trust;

/// <summary>What a host offered during key exchange, judged against its known_hosts file.</summary>
public sealed record HostKeyOffer(string Host, string KnownHostsName, string KnownHostsFile, HostKey Offered, IReadOnlyList<HostKey> Pinned, HostKeyVerdict Verdict)
{
    public static HostKeyOffer Judge(string host, string knownHostsName, KnownHostsFile file, HostKey offered)
    {
        var pinned = file.PinnedKeys(knownHostsName);
        var verdict = file.IsRevoked(offered) ? HostKeyVerdict.Revoked
            : pinned.Any(p => p.SameKey(offered)) ? HostKeyVerdict.Trusted
            : pinned.Count == 0 ? HostKeyVerdict.Unknown
            : HostKeyVerdict.Changed;
        return new HostKeyOffer(host, knownHostsName, file.Path, offered, pinned, verdict);
    }

    /// <summary>The refusal message: the host, what it offered and what is pinned, both as SHA256 fingerprints.</summary>
    public string Refusal() => Verdict switch
    {
        HostKeyVerdict.Unknown =>
            $"host key of remote host '{Host}' ({KnownHostsName}) is unknown: it offered {Offered.Type} {Offered.Fingerprint}, and {KnownHostsFile} pins no key for {KnownHostsName}. " +
            $"Check the fingerprint out of band, then `vault remote trust {Host} --fingerprint {Offered.Fingerprint}`",
        HostKeyVerdict.Changed =>
            $"host key of remote host '{Host}' ({KnownHostsName}) has CHANGED: it offered {Offered.Type} {Offered.Fingerprint}, but {KnownHostsFile} pins " +
            $"{string.Join(", ", Pinned.Select(p => $"{p.Type} {p.Fingerprint}"))}. Someone may be intercepting the connection; refused",
        HostKeyVerdict.Revoked =>
            $"host key of remote host '{Host}' ({KnownHostsName}) is revoked: it offered {Offered.Type} {Offered.Fingerprint}, marked @revoked in {KnownHostsFile}; refused",
        _ => $"host key of remote host '{Host}' ({KnownHostsName}) is trusted ({Offered.Fingerprint})",
    };
}
