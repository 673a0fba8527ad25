using Vault.Remote.Commands;

namespace Vault.Remote.Services;

/// <summary>The state a service reached after an action, and the action's command (null for a status query).</summary>
public sealed record ServiceActionResult(ServiceAction Action, ServiceStatus Status, RemoteCommandResult? Command);
