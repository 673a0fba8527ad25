namespace Vault.Gateway;

/// <summary>
/// Checks of the bootstrap admin token made when the host starts (not at the first request, where a bad token
/// would only turn every call into a 500): long enough, and its file readable by its owner only.
/// </summary>
public static class BootstrapToken
{
    /// <summary>Every problem, with a message naming the setting, the value and the rule.</summary>
    public static IEnumerable<string> Validate(GatewayOptions options)
    {
        const string file = GatewayOptions.SectionName + ":AdminTokenFile";
        string? token;
        string source;
        if (options.AdminTokenFile is { Length: > 0 } path)
        {
            if (!File.Exists(path))
            {
                yield break; // GatewayOptions.Validate names the missing file.
            }

            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                {
                    yield return $"{file} is '{path}' with mode {System.Convert.ToString((int)mode, 8).PadLeft(4, '0')}; the admin token must be readable by its owner only: chmod 600 '{path}'";
                }
            }

            token = File.ReadLines(path).FirstOrDefault()?.Trim();
            source = $"{file} ('{path}')";
        }
        else
        {
            token = Environment.GetEnvironmentVariable(ApiKeys.AdminTokenVariable);
            source = ApiKeys.AdminTokenVariable;
        }

        if (token is { Length: > 0 } && token.Length < ApiKeys.MinimumBootstrapLength)
        {
            yield return $"the bootstrap admin token in {source} has {token.Length} characters; must have at least {ApiKeys.MinimumBootstrapLength}";
        }
        else if (options.AdminTokenFile is { Length: > 0 } && token is not { Length: > 0 })
        {
            yield return $"{source} is empty; its first line must be the bootstrap admin token (at least {ApiKeys.MinimumBootstrapLength} characters)";
        }
    }
}
