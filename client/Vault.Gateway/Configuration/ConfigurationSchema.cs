using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Vault.Configuration;

/// <summary>
/// The configuration sections a host knows, each with the options type that describes it (for example
/// "Vault" → the node's options, "Vault:Gateway" → the gateway's, "Vault:Failover" → the failover section).
/// <see cref="Check"/> walks every registered section strictly (<see cref="StrictBinder"/>): a key that is
/// neither a property of its section's type nor a registered section of its own is an error naming it and
/// the nearest valid key. A new section registers its type here (<see cref="Add{T}"/>) or carries
/// <see cref="ConfigurationSectionAttribute"/> in an assembly given to <see cref="AddAssembly"/>.
/// </summary>
public sealed class ConfigurationSchema
{
    private readonly Dictionary<string, Type> _sections = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered sections: path → options type.</summary>
    public IReadOnlyDictionary<string, Type> Sections => _sections;

    /// <summary>Registers the section at <paramref name="path"/> as described by <typeparamref name="T"/>.</summary>
    public ConfigurationSchema Add<T>(string path) => Add(path, typeof(T));

    public ConfigurationSchema Add(string path, Type type)
    {
        if (_sections.TryGetValue(path, out var existing) && existing != type)
        {
            throw new InvalidOperationException($"configuration section {path} is registered twice: as {existing.Name} and as {type.Name}");
        }

        _sections[path] = type;
        return this;
    }

    /// <summary>Registers every type of <paramref name="assembly"/> that carries <see cref="ConfigurationSectionAttribute"/>.</summary>
    public ConfigurationSchema AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            foreach (var attribute in type.GetCustomAttributes<ConfigurationSectionAttribute>(inherit: false))
            {
                Add(attribute.Path, type);
            }
        }

        return this;
    }

    /// <summary>Every problem in every registered section (unknown keys, values that do not convert); empty when all bind.</summary>
    public IReadOnlyList<string> Check(IConfiguration configuration) =>
        [.. _sections.OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .SelectMany(s => StrictBinder.Check(s.Value, configuration, s.Key, this))
            .Distinct(StringComparer.Ordinal)];

    /// <summary>Throws <see cref="ConfigurationBindingException"/> when <see cref="Check"/> finds anything.</summary>
    public void ThrowIfInvalid(IConfiguration configuration)
    {
        var errors = Check(configuration);
        if (errors.Count > 0)
        {
            throw new ConfigurationBindingException(errors);
        }
    }

    /// <summary>True when <paramref name="path"/> is a registered section or holds one.</summary>
    internal bool Covers(string path) =>
        _sections.Keys.Any(s => string.Equals(s, path, StringComparison.OrdinalIgnoreCase) || s.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>The names of the registered sections (or their ancestors) directly below <paramref name="path"/>, for suggestions.</summary>
    internal IEnumerable<string> ChildrenOf(string path) =>
        _sections.Keys.Where(s => s.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase))
            .Select(s => s[(path.Length + 1)..].Split(':')[0]);
}
