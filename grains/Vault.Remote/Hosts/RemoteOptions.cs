using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Vault.Remote.Hosts;

/// <summary>The remote hosts this node may act on: Vault:Remote:Hosts:&lt;name&gt;:…, bound strictly and validated at start.</summary>
public sealed partial class RemoteOptions
{
    public const string Section = "Vault:Remote";

    public IReadOnlyDictionary<string, RemoteHostOptions> Hosts { get; private init; } = new Dictionary<string, RemoteHostOptions>();

    /// <summary>
    /// Binds every host; a value that does not convert or an unknown key throws <see cref="RemoteConfigurationException"/>
    /// naming the key. Call <see cref="Validate"/> next.
    /// </summary>
    public static RemoteOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var unknown = section.GetChildren().Select(c => c.Key).Where(k => k != "Hosts").ToList();
        if (unknown.Count > 0)
        {
            throw new RemoteConfigurationException($"{Section}: unknown key(s) {string.Join(", ", unknown)} (only Hosts; see docs/remote.md)");
        }

        var hosts = new Dictionary<string, RemoteHostOptions>(StringComparer.Ordinal);
        foreach (var child in section.GetSection("Hosts").GetChildren())
        {
            RemoteHostOptions host;
            try
            {
                host = child.Get<RemoteHostOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new RemoteHostOptions();
            }
            catch (InvalidOperationException e)
            {
                throw new RemoteConfigurationException(Describe(configuration, child.Path, e));
            }

            host.Name = child.Key;
            hosts[child.Key] = host;
        }

        return new RemoteOptions { Hosts = hosts };
    }

    /// <summary>Options made in code (tests, tools); validate them like bound ones.</summary>
    public static RemoteOptions Of(params RemoteHostOptions[] hosts) =>
        new() { Hosts = hosts.ToDictionary(h => h.Name, StringComparer.Ordinal) };

    /// <summary>Every rule a host breaks, each message naming the key, its value and the rule.</summary>
    public IEnumerable<string> Validate() => Hosts.Values.SelectMany(RemoteHostValidator.Validate);

    private static string Describe(IConfiguration configuration, string path, InvalidOperationException e)
    {
        if (ConversionError().Match(e.Message) is { Success: true } m)
        {
            var key = m.Groups["key"].Value;
            var rule = m.Groups["type"].Value switch
            {
                var t when t.Contains("TimeSpan", StringComparison.Ordinal) => "must be a time span: hh:mm:ss, or d.hh:mm:ss",
                var t when t.Contains("Int32", StringComparison.Ordinal) || t.Contains("Int64", StringComparison.Ordinal) => "must be a whole number",
                var t => $"cannot be read as {t}",
            };
            return $"{key} is '{configuration[key]}'; {rule}";
        }

        return UnknownKeys().Match(e.Message) is { Success: true } u
            ? $"{path}: unknown key(s) {u.Groups["keys"].Value} (not a setting of a remote host; see docs/remote.md)"
            : $"{path}: {e.Message}";
    }

    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionError();

    [GeneratedRegex("were not found on the instance of [^:]+: (?<keys>.+)$")]
    private static partial Regex UnknownKeys();
}
