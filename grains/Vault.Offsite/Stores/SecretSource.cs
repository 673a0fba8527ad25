namespace Vault.Offsite.Stores;

/// <summary>A credential from a file (first line) or, when no file is named, from an environment variable.</summary>
internal static class SecretSource
{
    public static string Read(string target, string key, string? file, string variable)
    {
        if (file is { Length: > 0 })
        {
            var line = File.ReadLines(file).FirstOrDefault()?.Trim();
            return line is { Length: > 0 } ? line : throw new OffsiteException($"target '{target}': {key} '{file}' is empty");
        }

        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new OffsiteException($"target '{target}': {key} is not set and the environment variable {variable} is empty");
    }
}
