namespace Vault.Configuration;

/// <summary>Configuration that cannot be bound: one message per key, naming the key, its value and the rule.</summary>
public sealed class ConfigurationBindingException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
