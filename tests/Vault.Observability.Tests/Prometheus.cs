using System.Globalization;
using System.Text.RegularExpressions;

namespace Vault.Observability.Tests;

/// <summary>A parsed Prometheus text exposition: sample lines by series, for before/after comparisons.</summary>
public sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels include every given pair.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels)
    {
        double sum = 0;
        foreach (Match m in Sample().Matches(Text))
        {
            if (m.Groups["name"].Value != name)
            {
                continue;
            }

            var series = m.Groups["labels"].Value;
            if (labels.All(l => series.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                sum += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    public bool Has(string name) => Sample().Matches(Text).Any(m => m.Groups["name"].Value == name);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
