namespace Vault.Remote;

/// <summary>A piece of output (Stream 1 = stdout, 2 = stderr), or, last, the outcome (Stream 0).</summary>
[GenerateSerializer, Immutable, Alias("vault.remote-exec-update")]
public sealed record RemoteExecUpdate(int Stream, byte[] Data, RemoteExecOutcome? Outcome);
