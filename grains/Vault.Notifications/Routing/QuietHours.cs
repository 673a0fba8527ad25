namespace Vault.Notifications;

/// <summary>
/// A daily window (Start..End in <see cref="TimeZone"/>, may cross midnight) in which a rule holds
/// events below <see cref="Bypass"/> until the window ends. Held events are delivered then, never dropped.
/// </summary>
public sealed class QuietHours
{
    public TimeSpan Start { get; set; }

    public TimeSpan End { get; set; }

    public string TimeZone { get; set; } = "UTC";

    /// <summary>Events at or above this severity are sent at once even in quiet hours.</summary>
    public EventSeverity Bypass { get; set; } = EventSeverity.Critical;
}
