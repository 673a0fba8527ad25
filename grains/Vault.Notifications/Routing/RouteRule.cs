namespace Vault.Notifications;

/// <summary>
/// Vault:Notifications:Rules:&lt;name&gt;: events whose kind matches one of <see cref="Kinds"/> (empty: any;
/// "backup.*" matches a prefix; "*" matches all), whose severity is at least <see cref="MinSeverity"/> and
/// whose subject matches one of <see cref="Subjects"/> (same patterns) go to every channel in <see cref="Channels"/>.
/// </summary>
public sealed class RouteRule
{
    public List<string> Kinds { get; set; } = [];

    public EventSeverity MinSeverity { get; set; } = EventSeverity.Info;

    public List<string> Subjects { get; set; } = [];

    public List<string> Channels { get; set; } = [];

    public QuietHours? QuietHours { get; set; }
}
