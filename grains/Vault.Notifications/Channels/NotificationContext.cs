namespace Vault.Notifications;

/// <summary>What every message says about where it comes from.</summary>
public sealed record NotificationContext(string Node, string? StatusPageUrl);
