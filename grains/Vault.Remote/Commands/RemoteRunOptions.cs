namespace Vault.Remote.Commands;

/// <summary>How to run commands: a timeout other than the host's CommandTimeout; for a sequence, whether to go on after a failure.</summary>
public sealed record RemoteRunOptions(TimeSpan? Timeout = null, bool ContinueOnFailure = false)
{
    public static readonly RemoteRunOptions Default = new();
}
