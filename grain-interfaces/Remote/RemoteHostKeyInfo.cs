namespace Vault.Remote;

/// <summary>
/// The key a host offered (type and SHA256 fingerprint as `ssh-keygen -l` prints it), the verdict against its
/// known_hosts file (trusted, unknown, changed, revoked), what is pinned, and whether this call recorded it.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.remote-host-key-info")]
public sealed record RemoteHostKeyInfo(
    string Host,
    string KnownHostsName,
    string KeyType,
    string Fingerprint,
    string Verdict,
    IReadOnlyList<string> Pinned,
    bool Recorded,
    IReadOnlyList<string> Replaced);
