namespace Vault.Remote;

/// <summary>A service's state after an action (systemd's words: ActiveState, SubState, LoadState).</summary>
[GenerateSerializer, Immutable, Alias("vault.remote-service-info")]
public sealed record RemoteServiceInfo(string Host, string Service, string Action, string ActiveState, string SubState, string LoadState, int? MainPid, int? ExitCode, TimeSpan Duration);
