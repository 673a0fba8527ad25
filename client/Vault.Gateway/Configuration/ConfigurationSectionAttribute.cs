namespace Vault.Configuration;

/// <summary>
/// Declares the configuration section an options type describes (for example "Vault:Failover"), so that a
/// <see cref="ConfigurationSchema"/> built from the type's assembly knows the section: its keys are then checked
/// (unknown keys, values that do not convert) and its name is no longer an unknown key of the parent.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConfigurationSectionAttribute(string path) : Attribute
{
    /// <summary>The section's full path, segments separated by ':'.</summary>
    public string Path { get; } = path;
}
