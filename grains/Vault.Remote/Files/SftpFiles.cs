using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;
using Vault.Remote.Hosts;

namespace Vault.Remote.Files;

public sealed partial class SftpFiles(RemoteHosts hosts, SshConnector connector, RemoteMetrics metrics, ILogger<SftpFiles> logger) : IRemoteFiles
{
    private const UnixFileMode NewFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public Task<RemoteFileResult> UploadAsync(string host, Stream content, string remotePath, UnixFileMode? mode = null, CancellationToken cancellationToken = default) =>
        WithDeadlineAsync(host, "upload to", remotePath, "upload", "the target was not changed", token => UploadCoreAsync(host, content, remotePath, mode, token), cancellationToken);

    public Task<RemoteFileResult> DownloadAsync(string host, string remotePath, Stream destination, CancellationToken cancellationToken = default) =>
        WithDeadlineAsync(host, "download of", remotePath, "download", "what was copied is incomplete", token => DownloadCoreAsync(host, remotePath, destination, token), cancellationToken);

    /// <summary>
    /// Bounds a transfer by the host's TransferTimeout: the token given to the transfer is cancelled when it passes, and the
    /// caller is answered then even if a read of the source does not observe the token (the lease and its connection are
    /// released when the transfer unwinds).
    /// </summary>
    private async Task<RemoteFileResult> WithDeadlineAsync(string host, string what, string remotePath, string direction, string consequence,
        Func<CancellationToken, Task<RemoteFileResult>> transfer, CancellationToken cancellationToken)
    {
        var target = hosts.Get(host);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(target.TransferTimeout);
        try
        {
            return await transfer(deadline.Token).WaitAsync(deadline.Token);
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            metrics.Transfer(host, direction, "timeout");
            throw new RemoteFileException(
                $"{what} {remotePath} on remote host '{host}' did not finish within the host's TransferTimeout ({target.TransferTimeout}) and was abandoned; {consequence}");
        }
    }

    private async Task<RemoteFileResult> UploadCoreAsync(string host, Stream content, string remotePath, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        var target = hosts.Get(host);
        CheckPath(target, remotePath);
        var started = Stopwatch.GetTimestamp();
        var temp = TempName(remotePath);
        try
        {
            using var lease = await connector.ConnectAsync(target, c => new SftpClient(c), cancellationToken);
            var sftp = lease.Client;
            var keepMode = mode ?? (await TryGetAttributesAsync(sftp, remotePath, cancellationToken) is { } existing ? ModeOf(existing) : NewFileMode);
            using var hashing = new HashingStream(content, target.MaxFileBytes, n => new RemoteFileException(
                $"upload to {remotePath} on remote host '{host}' refused: the content is larger than the host's MaxFileBytes ({target.MaxFileBytes} bytes); the target was not changed"));
            var created = false;
            try
            {
                created = true;
                await sftp.UploadFileAsync(hashing, temp, cancellationToken);
                var sent = hashing.HexDigest();
                var (stored, storedBytes) = await HashRemoteAsync(sftp, temp, target.MaxFileBytes, cancellationToken);
                if (stored != sent || storedBytes != hashing.Count)
                {
                    throw new RemoteFileException(
                        $"upload to {remotePath} on remote host '{host}' failed verification: sent {hashing.Count} bytes SHA-256 {sent}, the host stored {storedBytes} bytes SHA-256 {stored}; the target was not changed");
                }

                // SSH.NET reads the mode's decimal digits as octal ones (644 for 0644).
                sftp.ChangePermissions(temp, short.Parse(Convert.ToString((int)keepMode & 0x1FF, 8), System.Globalization.CultureInfo.InvariantCulture));
                sftp.RenameFile(temp, remotePath, isPosix: true);
                created = false;
                var result = new RemoteFileResult(host, remotePath, hashing.Count, sent, Stopwatch.GetElapsedTime(started));
                metrics.Transfer(host, "upload", "ok");
                Transferred(logger, "Uploaded", host, remotePath, result.Bytes, result.Sha256);
                return result;
            }
            finally
            {
                if (created)
                {
                    await TryDeleteAsync(sftp, temp);
                }
            }
        }
        catch (Exception e)
        {
            metrics.Transfer(host, "upload", "error");
            throw Translate(e, target, "upload to", remotePath, cancellationToken);
        }
    }

    private async Task<RemoteFileResult> DownloadCoreAsync(string host, string remotePath, Stream destination, CancellationToken cancellationToken)
    {
        var target = hosts.Get(host);
        CheckPath(target, remotePath);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var lease = await connector.ConnectAsync(target, c => new SftpClient(c), cancellationToken);
            var sftp = lease.Client;
            var attributes = await sftp.GetAttributesAsync(remotePath, cancellationToken);
            if (!attributes.IsRegularFile)
            {
                throw new RemoteFileException($"download of {remotePath} from remote host '{host}' refused: it is not a regular file");
            }

            if (attributes.Size > target.MaxFileBytes)
            {
                throw new RemoteFileException(
                    $"download of {remotePath} from remote host '{host}' refused: it has {attributes.Size} bytes, more than the host's MaxFileBytes ({target.MaxFileBytes})");
            }

            string copied;
            long count;
            await using (var source = await sftp.OpenAsync(remotePath, FileMode.Open, FileAccess.Read, cancellationToken))
            {
                using var hashing = new HashingStream(source, target.MaxFileBytes, n => new RemoteFileException(
                    $"download of {remotePath} from remote host '{host}' stopped: it grew past the host's MaxFileBytes ({target.MaxFileBytes} bytes) during the copy"));
                await hashing.CopyToAsync(destination, cancellationToken);
                copied = hashing.HexDigest();
                count = hashing.Count;
            }

            var (again, againBytes) = await HashRemoteAsync(sftp, remotePath, target.MaxFileBytes, cancellationToken);
            if (again != copied || againBytes != count)
            {
                throw new RemoteFileException(
                    $"download of {remotePath} from remote host '{host}' failed verification: copied {count} bytes SHA-256 {copied}, the file now has {againBytes} bytes SHA-256 {again} (changed during the copy?)");
            }

            var result = new RemoteFileResult(host, remotePath, count, copied, Stopwatch.GetElapsedTime(started));
            metrics.Transfer(host, "download", "ok");
            Transferred(logger, "Downloaded", host, remotePath, result.Bytes, result.Sha256);
            return result;
        }
        catch (Exception e)
        {
            metrics.Transfer(host, "download", "error");
            throw Translate(e, target, "download of", remotePath, cancellationToken);
        }
    }

    /// <summary>The temporary name an upload writes first: hidden, in the target's directory (so the rename stays on one file system).</summary>
    public static string TempName(string remotePath)
    {
        var slash = remotePath.LastIndexOf('/');
        return $"{remotePath[..(slash + 1)]}.{remotePath[(slash + 1)..]}.vault-{Guid.NewGuid():N}"[..^16] + ".tmp";
    }

    private static async Task<(string Sha256, long Bytes)> HashRemoteAsync(SftpClient sftp, string path, long limit, CancellationToken cancellationToken)
    {
        await using var stream = await sftp.OpenAsync(path, FileMode.Open, FileAccess.Read, cancellationToken);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0 && total <= limit)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    private static async Task<Renci.SshNet.Sftp.SftpFileAttributes?> TryGetAttributesAsync(SftpClient sftp, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await sftp.GetAttributesAsync(path, cancellationToken);
        }
        catch (SftpPathNotFoundException)
        {
            return null;
        }
    }

    private static UnixFileMode ModeOf(Renci.SshNet.Sftp.SftpFileAttributes attributes)
    {
        var mode = UnixFileMode.None;
        if (attributes.OwnerCanRead) { mode |= UnixFileMode.UserRead; }
        if (attributes.OwnerCanWrite) { mode |= UnixFileMode.UserWrite; }
        if (attributes.OwnerCanExecute) { mode |= UnixFileMode.UserExecute; }
        if (attributes.GroupCanRead) { mode |= UnixFileMode.GroupRead; }
        if (attributes.GroupCanWrite) { mode |= UnixFileMode.GroupWrite; }
        if (attributes.GroupCanExecute) { mode |= UnixFileMode.GroupExecute; }
        if (attributes.OthersCanRead) { mode |= UnixFileMode.OtherRead; }
        if (attributes.OthersCanWrite) { mode |= UnixFileMode.OtherWrite; }
        if (attributes.OthersCanExecute) { mode |= UnixFileMode.OtherExecute; }
        return mode;
    }

    private static async Task TryDeleteAsync(SftpClient sftp, string path)
    {
        try
        {
            if (sftp.IsConnected)
            {
                await sftp.DeleteFileAsync(path, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException)
        {
            // Best effort: a hidden .vault-*.tmp file may stay behind after a lost connection.
        }
    }

    private static void CheckPath(RemoteHostOptions host, string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.EndsWith('/') || path.Contains('\0') || path.Contains('\n'))
        {
            throw new InvalidRequestException($"remote path '{path}' for remote host '{host.Name}' must be an absolute file path");
        }
    }

    private static Exception Translate(Exception e, RemoteHostOptions host, string what, string path, CancellationToken cancellationToken) => e switch
    {
        VaultException => e,
        SftpPathNotFoundException => new RemoteFileException($"{what} {path} on remote host '{host.Name}' failed: no such file or directory"),
        SftpPermissionDeniedException => new RemoteFileException($"{what} {path} on remote host '{host.Name}' failed: permission denied for user '{host.User}'"),
        _ when SshConnector.Translate(e, host, cancellationToken) is { } translated => translated,
        _ => e,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Verb} {Path} on remote host {Host}: {Bytes} bytes, SHA-256 {Sha256}")]
    private static partial void Transferred(ILogger logger, string verb, string host, string path, long bytes, string sha256);
}
