using System.Globalization;
using System.Text;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Remote.Commands;

namespace Vault.Grains.Failover.Rejoin;

/// <summary>
/// The PostgreSQL rejoin commands of one node, from the service's templates (<see cref="RejoinSpec"/>). No secret
/// is ever part of them: the connection strings name a passfile (or rely on ~/.pgpass), so the commands can be
/// audited and logged as they are.
/// </summary>
public sealed class RejoinCommands
{
    private readonly Dictionary<string, string> _values;

    public RejoinCommands(RejoinSpec spec, FailoverNodeSpec node, string nodeName, ServerEndpoint primary)
    {
        Spec = spec;
        DataDirectory = node.DataDirectory ?? "";
        Source = ConnInfo(primary.Host, primary.Port, primary.User ?? "postgres", spec.PassFile, null);
        PrimaryConnInfo = ConnInfo(primary.Host, primary.Port, primary.ReplicationUser ?? primary.User ?? "postgres", spec.PassFile, nodeName);
        _values = new(StringComparer.Ordinal)
        {
            ["{bin}"] = spec.Bin,
            ["{pgdata}"] = ShellQuote.Quote(DataDirectory),
            ["{port}"] = node.Port.ToString(CultureInfo.InvariantCulture),
            ["{node}"] = ShellQuote.Quote(nodeName),
            ["{source}"] = ShellQuote.Quote(Source),
            ["{settings}"] = string.Join(' ', Settings.Select(ShellQuote.Quote)),
        };
    }

    public RejoinSpec Spec { get; }

    public string DataDirectory { get; }

    /// <summary>libpq connection string of the current primary, for pg_rewind --source-server.</summary>
    public string Source { get; }

    /// <summary>The replica's primary_conninfo: the current primary, as the replication user, application_name = the node's name.</summary>
    public string PrimaryConnInfo { get; }

    /// <summary>The lines appended to postgresql.auto.conf (later lines win over the copies pg_rewind brought from the primary).</summary>
    public IReadOnlyList<string> Settings =>
        [$"primary_conninfo = '{PrimaryConnInfo.Replace("'", "''", StringComparison.Ordinal)}'", "primary_slot_name = ''"];

    public string Stop => Render(Spec.StopCommand);

    public string Rewind => Render(Spec.RewindCommand);

    public string Configure => Render(Spec.ConfigureCommand);

    public string Start => Render(Spec.StartCommand);

    /// <summary>Reads the node's control file: whether pg_rewind can work on it.</summary>
    public string ControlData => $"{Spec.Bin}/pg_controldata {ShellQuote.Quote(DataDirectory)}";

    /// <summary>
    /// From pg_controldata's output: null when pg_rewind can run (wal_log_hints on or data checksums), else why not.
    /// </summary>
    public static string? RewindBlocker(string controlData)
    {
        string? Field(string name) => controlData.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();
        var hints = Field("wal_log_hints setting");
        var checksums = Field("Data page checksum version");
        if (hints is null || checksums is null)
        {
            return "pg_controldata did not report wal_log_hints and the data checksum version";
        }

        return hints == "on" || checksums != "0"
            ? null
            : "the node has neither wal_log_hints = on nor data checksums (pg_controldata: wal_log_hints off, checksum version 0): " +
              "pg_rewind cannot run; set wal_log_hints = on (restart) or rebuild the node with pg_basebackup";
    }

    private string Render(string template)
    {
        var text = new StringBuilder(template);
        foreach (var (key, value) in _values)
        {
            text.Replace(key, value);
        }

        return text.ToString();
    }

    private static string ConnInfo(string host, int port, string user, string? passFile, string? applicationName)
    {
        var parts = new List<string>
        {
            "host=" + Value(host),
            "port=" + port.ToString(CultureInfo.InvariantCulture),
            "user=" + Value(user),
            "dbname=postgres",
        };
        if (!string.IsNullOrEmpty(passFile))
        {
            parts.Add("passfile=" + Value(passFile));
        }

        if (applicationName is not null)
        {
            parts.Add("application_name=" + Value(applicationName));
        }

        return string.Join(' ', parts);
    }

    /// <summary>A libpq keyword value: bare when safe, else single-quoted with \ and ' escaped.</summary>
    private static string Value(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' || c is '-' || c is '_' || c is '/' || c is ':')
            ? value
            : "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
