namespace Vault.Remote.Commands;

/// <summary>A piece of a command's stdout or stderr, as the server sent it (bytes; not split on lines or characters).</summary>
public sealed record RemoteOutput(RemoteStreamKind Stream, byte[] Data) : RemoteEvent;
