using System.Diagnostics.Metrics;

namespace Vault.Remote;

/// <summary>Remote operations' instruments on the "Vault" meter (exported by the node's metrics endpoint).</summary>
public sealed class RemoteMetrics : IDisposable
{
    public const string MeterName = "Vault";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _transfers;

    public RemoteMetrics()
    {
        _commands = _meter.CreateCounter<long>("vault_remote_commands_total",
            description: "Remote commands by host and result (ok, failed, timeout, error)");
        _duration = _meter.CreateHistogram<double>("vault_remote_command_duration_seconds", unit: "s",
            description: "Run time of remote commands, connection included");
        _refusals = _meter.CreateCounter<long>("vault_remote_host_key_refusals_total",
            description: "Connections refused because the host key was unknown, changed or revoked");
        _transfers = _meter.CreateCounter<long>("vault_remote_file_transfers_total",
            description: "File uploads and downloads by host, direction and result (ok, error)");
    }

    public void Command(string host, string result, TimeSpan duration)
    {
        var tags = new System.Diagnostics.TagList { { "host", host }, { "result", result } };
        _commands.Add(1, tags);
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("host", host));
    }

    public void HostKeyRefused(string host, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("host", host), new KeyValuePair<string, object?>("reason", reason));

    public void Transfer(string host, string direction, string result) =>
        _transfers.Add(1, new System.Diagnostics.TagList { { "host", host }, { "direction", direction }, { "result", result } });

    public void Dispose() => _meter.Dispose();
}
