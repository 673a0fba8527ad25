using System.Globalization;

namespace Vault.Grains.Check;

/// <summary>How a node scrubs its packs: bound by the silo from Vault:Scrub (see docs/operations.md).</summary>
public sealed record ScrubSettings
{
    public static ScrubSettings Default { get; } = new();

    /// <summary>The background loop runs; off, a pass runs only on demand.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Every local pack is verified again within this period: the pace is the period spread over the node's bytes.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The pace never exceeds this many bytes read per second (a node with more bytes than the period allows takes longer).</summary>
    public long MaxBytesPerSecond { get; init; } = 20L * 1024 * 1024;

    /// <summary>
    /// Reads a period: a number with a unit (<c>30d</c>, <c>12h</c>, <c>90m</c>, <c>45s</c>) or a .NET
    /// time span (<c>30.00:00:00</c>).
    /// </summary>
    public static bool TryParsePeriod(string? text, out TimeSpan period)
    {
        period = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var unit = text[^1] switch
        {
            'd' => TimeSpan.FromDays(1),
            'h' => TimeSpan.FromHours(1),
            'm' => TimeSpan.FromMinutes(1),
            's' => TimeSpan.FromSeconds(1),
            _ => TimeSpan.Zero,
        };
        if (unit == TimeSpan.Zero)
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out period);
        }

        if (!double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var count) || count > 1e6)
        {
            return false;
        }

        period = unit * count;
        return true;
    }
}
