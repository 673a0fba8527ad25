namespace Vault.Remote.Commands;

/// <summary>What a running remote command reports: <see cref="RemoteOutput"/> as it arrives, then one <see cref="RemoteCommandResult"/>.</summary>
public abstract record RemoteEvent;
