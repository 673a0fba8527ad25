namespace Vault.Remote.Services;

/// <summary>
/// Reads `systemctl show --property=LoadState,ActiveState,SubState,MainPID -- UNIT` ("Key=Value" lines, in any
/// order) and `systemctl is-active -- UNIT` (one word). A unit systemd does not know shows LoadState=not-found
/// and ActiveState=inactive.
/// </summary>
public static class SystemdStatusParser
{
    public const string ShowProperties = "LoadState,ActiveState,SubState,MainPID";

    public static ServiceStatus ParseShow(string host, string service, string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                values[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        if (!values.TryGetValue("ActiveState", out var active) || active.Length == 0)
        {
            throw new RemoteServiceException($"`systemctl show` for {service} on remote host '{host}' did not report ActiveState: '{Shorten(output)}'");
        }

        int? pid = values.TryGetValue("MainPID", out var p) && int.TryParse(p, out var n) ? n : null;
        return new ServiceStatus(host, service, active, values.GetValueOrDefault("SubState", ""), values.GetValueOrDefault("LoadState", ""), pid);
    }

    /// <summary>The word `systemctl is-active` prints (its exit code is 0 only for "active").</summary>
    public static string ParseIsActive(string output)
    {
        var word = output.Trim().Split('\n')[0].Trim();
        return word is "active" or "inactive" or "failed" or "activating" or "deactivating" or "reloading" or "refreshing" or "maintenance"
            ? word
            : "unknown";
    }

    /// <summary>A host without systemd: the LSB status exit code (0 running, 1-3 not running, 4 or other unknown).</summary>
    public static ServiceStatus FromLsbExitCode(string host, string service, int? exitCode) => exitCode switch
    {
        0 => new ServiceStatus(host, service, "active", "running", "loaded", null),
        1 or 2 or 3 => new ServiceStatus(host, service, "inactive", "dead", "loaded", null),
        _ => new ServiceStatus(host, service, "unknown", exitCode is null ? "no exit code" : $"status exit {exitCode}", "", null),
    };

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text.Trim();
}
