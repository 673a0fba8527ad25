namespace Vault.Notifications;

/// <summary>How urgently a human must act. Ordered: a rule's minimum severity admits this one and those above.</summary>
public enum EventSeverity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}
