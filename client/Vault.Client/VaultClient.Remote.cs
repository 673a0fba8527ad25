using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using Vault.V1;

namespace Vault.Client;

// Remote operations over SSH on a node's configured hosts (admin keys only). None is retried: a command or
// an action may have taken effect before a connection broke.
public sealed partial class VaultClient
{
    /// <summary>
    /// Runs a command on a remote host; yields stdout/stderr pieces as the host sends them and, last, the result
    /// (exit code, timed out, sizes). A non-zero exit is a result, not an exception.
    /// </summary>
    /// <param name="host">The host's name in the node's configuration.</param>
    /// <param name="command">Run by sh on the host.</param>
    /// <param name="timeout">Limit on the command's run time (null = the host's CommandTimeout); the remote process is ended when it passes.</param>
    /// <param name="node">The node whose configuration names the host; empty = the gateway's node.</param>
    /// <param name="cancellationToken">Cancels the call (the remote command is signalled).</param>
    public async IAsyncEnumerable<RemoteExecResponse> RemoteExecAsync(string host, string command, TimeSpan? timeout = null, string node = "",
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new RemoteExecRequest { Host = host, Command = command, Node = node, TimeoutSeconds = timeout?.TotalSeconds ?? 0 };
        using var call = _client.RemoteExec(request, cancellationToken: cancellationToken);
        while (true)
        {
            RemoteExecResponse response;
            try
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    yield break;
                }

                response = call.ResponseStream.Current;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                throw VaultClientException.From(e);
            }

            yield return response;
        }
    }

    /// <summary>status, start, stop, restart or reload of a service on a remote host; returns once the service reached the promised state.</summary>
    public Task<RemoteServiceResponse> RemoteServiceAsync(string host, string service, string action, string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RemoteServiceAsync(new RemoteServiceRequest { Host = host, Service = service, Action = action, Node = node },
            cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Writes <paramref name="content"/> to an absolute path on a remote host (verified, atomic replace).</summary>
    /// <param name="host">The host's name in the node's configuration.</param>
    /// <param name="path">Absolute path on the host.</param>
    /// <param name="content">The file's bytes (at most the gateway's MaxRequestBytes).</param>
    /// <param name="mode">Permission bits; null keeps those of the file replaced (0644 for a new file).</param>
    /// <param name="node">The node whose configuration names the host; empty = the gateway's node.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<RemoteFileResponse> RemoteUploadAsync(string host, string path, ReadOnlyMemory<byte> content, int? mode = null, string node = "", CancellationToken cancellationToken = default)
    {
        var request = new RemoteUploadRequest { Host = host, Path = path, Content = ByteString.CopyFrom(content.Span), Node = node };
        if (mode is { } m)
        {
            request.Mode = m;
        }

        return CallAsync(() => _client.RemoteUploadAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);
    }

    /// <summary>Reads a file from a remote host (verified; at most a few MiB through the gateway).</summary>
    public Task<RemoteDownloadResponse> RemoteDownloadAsync(string host, string path, string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RemoteDownloadAsync(new RemoteDownloadRequest { Host = host, Path = path, Node = node },
            cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>The host key a remote host offers; with <paramref name="fingerprint"/> (SHA256:…), records it in known_hosts when it matches.</summary>
    public Task<RemoteTrustResponse> RemoteTrustAsync(string host, string fingerprint = "", string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RemoteTrustAsync(new RemoteTrustRequest { Host = host, Fingerprint = fingerprint, Node = node },
            cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);
}
