namespace Vault.Notifications;

/// <summary>The Vault:Notifications section cannot be used; the message names the key, its value and the rule.</summary>
public sealed class NotificationConfigurationException(string message) : Exception(message);
