namespace Vault.Remote;

/// <summary>How a remote command ended; the output itself was streamed, only its sizes are here.</summary>
[GenerateSerializer, Immutable, Alias("vault.remote-exec-outcome")]
public sealed record RemoteExecOutcome(int? ExitCode, string? ExitSignal, bool TimedOut, TimeSpan Duration, long StdoutBytes, long StderrBytes, bool OutputTruncated);
