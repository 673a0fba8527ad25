namespace Vault.Remote.Hosts;

/// <summary>The Vault:Remote section cannot be bound; the message names the key and the rule. The node does not start.</summary>
public sealed class RemoteConfigurationException(string message) : Exception(message);
