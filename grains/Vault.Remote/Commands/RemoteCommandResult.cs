namespace Vault.Remote.Commands;

/// <summary>
/// How a remote command ended. <see cref="Stdout"/>/<see cref="Stderr"/> hold at most the host's MaxCaptureBytes
/// each; <see cref="StdoutBytes"/>/<see cref="StderrBytes"/> count everything the command wrote, and
/// <see cref="OutputTruncated"/> says the capture is partial. <see cref="ExitCode"/> is null when the command
/// ended without one (a signal, or the connection was lost).
/// </summary>
public sealed record RemoteCommandResult(
    string Host,
    string Command,
    int? ExitCode,
    string? ExitSignal,
    bool TimedOut,
    TimeSpan Duration,
    string Stdout,
    string Stderr,
    long StdoutBytes,
    long StderrBytes,
    bool OutputTruncated) : RemoteEvent
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>ok, failed or timeout (the metrics' result label).</summary>
    public string Outcome => TimedOut ? "timeout" : Succeeded ? "ok" : "failed";

    public string Describe() =>
        TimedOut ? $"'{Command}' on remote host '{Host}' timed out after {Duration.TotalSeconds:0.#} s and was ended"
        : ExitCode is { } code ? $"'{Command}' on remote host '{Host}' exited with {code}{StderrTail()}"
        : $"'{Command}' on remote host '{Host}' ended without an exit code{(ExitSignal is null ? "" : $" (signal {ExitSignal})")}{StderrTail()}";

    private string StderrTail()
    {
        var tail = Stderr.Trim();
        if (tail.Length == 0)
        {
            return "";
        }

        return ": " + (tail.Length > 300 ? "…" + tail[^300..] : tail);
    }
}
