namespace Vault.Notifications;

/// <summary>A channel an event goes to, and when: now, or held until quiet hours end.</summary>
public readonly record struct RouteTarget(string Channel, DateTimeOffset NotBefore);
