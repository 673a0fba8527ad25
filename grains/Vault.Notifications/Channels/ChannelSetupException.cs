namespace Vault.Notifications;

/// <summary>A channel cannot send because its secret or setup is missing on this node (the message names the file or variable, never the value).</summary>
public sealed class ChannelSetupException(string message) : Exception(message);
