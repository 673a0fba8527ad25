namespace Vault.Remote;

/// <summary>
/// One node's remote operations over SSH, keyed by node id and placed on that node's silo: the hosts are those
/// configured on that node (Vault:Remote:Hosts). Plain work is done by the Vault.Remote seams; this grain only
/// carries calls from the gateway to them.
/// </summary>
[Alias("vault.remote-grain")]
public interface IRemoteGrain : IGrainWithStringKey
{
    /// <summary>Runs a command; stdout/stderr pieces as they arrive, then one update with the outcome.</summary>
    IAsyncEnumerable<RemoteExecUpdate> ExecAsync(string host, string command, TimeSpan? timeout, CancellationToken cancellationToken = default);

    /// <summary>status, start, stop, restart or reload; verified (see IRemoteServices).</summary>
    Task<RemoteServiceInfo> ServiceAsync(string host, string service, string action);

    /// <summary>Atomic, verified upload of at most a few MiB (larger files: the seam, not the gateway).</summary>
    Task<RemoteFileInfo> UploadAsync(string host, string path, byte[] content, int? mode);

    Task<RemoteFileContent> DownloadAsync(string host, string path, long maxBytes);

    /// <summary>The key the host offers; with a fingerprint, pins it when it matches.</summary>
    Task<RemoteHostKeyInfo> TrustAsync(string host, string? fingerprint);
}
