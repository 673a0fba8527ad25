namespace Vault.Remote.Commands;

/// <summary>
/// Runs shell commands on a configured remote host (POSIX sh on the host). Each command runs under
/// `timeout`, so that when its time is up the remote process (and its process group) is ended on the host,
/// not only abandoned by the connection. A command that fails or times out is a result, not an exception;
/// exceptions are for the host: not configured, unreachable, host key refused, credentials refused.
/// </summary>
public interface IRemoteShell
{
    /// <summary>Streams stdout/stderr as they arrive; the last event is the <see cref="RemoteCommandResult"/>.</summary>
    IAsyncEnumerable<RemoteEvent> StreamAsync(string host, string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default);

    Task<RemoteCommandResult> RunAsync(string host, string command, RemoteRunOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs the commands in order over one connection; stops at the first failure unless ContinueOnFailure.</summary>
    Task<RemoteSequenceResult> RunSequenceAsync(string host, IReadOnlyList<string> commands, RemoteRunOptions? options = null, CancellationToken cancellationToken = default);
}
