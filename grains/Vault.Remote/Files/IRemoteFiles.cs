namespace Vault.Remote.Files;

/// <summary>
/// Files on a remote host over SFTP, at most the host's MaxFileBytes. An upload writes a temporary file next to
/// the target, reads it back to check its SHA-256, then renames it over the target (an atomic replace: readers
/// see the old file or the new one, never a torn one); on any failure the target is left as it was and the
/// temporary file removed. A download hashes what it copies and reads the file a second time to check that
/// the copy matches (a file changing during the copy is reported, not returned).
/// </summary>
public interface IRemoteFiles
{
    /// <param name="mode">Permissions of the new file; null keeps those of the file it replaces (0644 for a new file).</param>
    Task<RemoteFileResult> UploadAsync(string host, Stream content, string remotePath, UnixFileMode? mode = null, CancellationToken cancellationToken = default);

    Task<RemoteFileResult> DownloadAsync(string host, string remotePath, Stream destination, CancellationToken cancellationToken = default);
}
