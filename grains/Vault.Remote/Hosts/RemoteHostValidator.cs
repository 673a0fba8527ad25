using System.Text.RegularExpressions;

namespace Vault.Remote.Hosts;

/// <summary>The rules a remote host's settings must meet; each message names the key, its value and the rule.</summary>
public static partial class RemoteHostValidator
{
    public static IEnumerable<string> Validate(RemoteHostOptions host)
    {
        var p = $"{RemoteOptions.Section}:Hosts:{host.Name}:";
        if (!HostName().IsMatch(host.Name))
        {
            yield return $"{RemoteOptions.Section}:Hosts:{host.Name} has a bad name; a host name is letters, digits, '.', '_' or '-', starting with a letter or digit";
        }

        if (string.IsNullOrWhiteSpace(host.Address) || host.Address.Any(char.IsWhiteSpace))
        {
            yield return $"{p}Address is '{host.Address}'; must be a host name or IP address";
        }

        if (host.Port is < 1 or > 65535)
        {
            yield return $"{p}Port is {host.Port}; must be 1-65535";
        }

        if (!UserName().IsMatch(host.User))
        {
            yield return $"{p}User is '{host.User}'; must be a user name (letters, digits, '.', '_', '-')";
        }

        if (string.IsNullOrWhiteSpace(host.PrivateKeyFile))
        {
            yield return $"{p}PrivateKeyFile is empty; must name the private key file";
        }
        else if (SecretFileCheck.Problem(host.PrivateKeyFile) is { } keyProblem)
        {
            yield return $"{p}PrivateKeyFile {keyProblem}";
        }

        if (host.PassphraseFile is not null && host.PassphraseEnv is not null)
        {
            yield return $"{p}PassphraseFile and PassphraseEnv are both set; set at most one";
        }
        else if (host.PassphraseFile is { } passFile && SecretFileCheck.Problem(passFile) is { } passProblem)
        {
            yield return $"{p}PassphraseFile {passProblem}";
        }
        else if (host.PassphraseEnv is { } env && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(env)))
        {
            yield return $"{p}PassphraseEnv is '{env}'; that environment variable is not set";
        }

        if (string.IsNullOrWhiteSpace(host.KnownHostsFile))
        {
            yield return $"{p}KnownHostsFile is empty; must name the known_hosts file that pins the host's key";
        }
        else if (Path.GetDirectoryName(Path.GetFullPath(host.KnownHostsFile)) is { } dir && !Directory.Exists(dir))
        {
            yield return $"{p}KnownHostsFile is '{host.KnownHostsFile}'; its directory does not exist";
        }

        if (host.ConnectTimeout <= TimeSpan.Zero || host.ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            yield return $"{p}ConnectTimeout is {host.ConnectTimeout}; must be more than 0 and at most 00:05:00";
        }

        if (host.TransferTimeout < TimeSpan.FromSeconds(1) || host.TransferTimeout > TimeSpan.FromDays(1))
        {
            yield return $"{p}TransferTimeout is {host.TransferTimeout}; must be 00:00:01 to 1.00:00:00";
        }

        if (host.CommandTimeout < TimeSpan.FromSeconds(1) || host.CommandTimeout > TimeSpan.FromDays(1))
        {
            yield return $"{p}CommandTimeout is {host.CommandTimeout}; must be 00:00:01 to 1.00:00:00";
        }

        if (host.MaxConcurrency is < 1 or > 64)
        {
            yield return $"{p}MaxConcurrency is {host.MaxConcurrency}; must be 1-64";
        }

        if (host.MaxCaptureBytes is < 1024 or > 16 * 1024 * 1024)
        {
            yield return $"{p}MaxCaptureBytes is {host.MaxCaptureBytes}; must be 1024 to 16777216";
        }

        if (host.MaxFileBytes is < 1 or > 16L * 1024 * 1024 * 1024)
        {
            yield return $"{p}MaxFileBytes is {host.MaxFileBytes}; must be 1 to 17179869184 (16 GiB)";
        }

        if (host.ServiceCommand is { } command && (!command.Contains("{service}", StringComparison.Ordinal) || !command.Contains("{action}", StringComparison.Ordinal)))
        {
            yield return $"{p}ServiceCommand is '{command}'; must contain {{service}} and {{action}}";
        }

        if (host.ServiceStatusCommand is { } status && !status.Contains("{service}", StringComparison.Ordinal))
        {
            yield return $"{p}ServiceStatusCommand is '{status}'; must contain {{service}}";
        }

        if ((host.ServiceCommand is null) != (host.ServiceStatusCommand is null))
        {
            yield return $"{p}ServiceCommand and ServiceStatusCommand must be set together (hosts without systemd) or both left out (systemctl)";
        }

        if (host.ServiceSettleTimeout <= TimeSpan.Zero || host.ServiceSettleTimeout > TimeSpan.FromMinutes(30))
        {
            yield return $"{p}ServiceSettleTimeout is {host.ServiceSettleTimeout}; must be more than 0 and at most 00:30:00";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex HostName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]*$")]
    private static partial Regex UserName();
}
