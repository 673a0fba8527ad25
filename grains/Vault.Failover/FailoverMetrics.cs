using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Vault.Failover;

namespace Vault.Grains.Failover;

/// <summary>The failover controller's instruments on the "Vault" meter (exported by the node's metrics endpoint).</summary>
public sealed class FailoverMetrics : IDisposable
{
    public const string MeterName = "Vault";

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<(string Service, string Replica), long> _lag = new();
    private readonly ConcurrentDictionary<string, (FailoverPhase Phase, long Epoch)> _state = new();
    private readonly Counter<long> _failovers;

    public FailoverMetrics()
    {
        _meter.CreateObservableGauge("vault_failover_replication_lag_bytes",
            () => _lag.Select(l => new Measurement<long>(l.Value, new KeyValuePair<string, object?>("service", l.Key.Service), new KeyValuePair<string, object?>("replica", l.Key.Replica))),
            unit: "By", description: "Bytes each replica is behind its primary's last known position");
        _meter.CreateObservableGauge("vault_failover_phase",
            () => _state.Select(s => new Measurement<int>((int)s.Value.Phase, new KeyValuePair<string, object?>("service", s.Key), new KeyValuePair<string, object?>("phase", s.Value.Phase.ToString()))),
            description: "Failover phase of the service's controller (0 = monitoring)");
        _meter.CreateObservableGauge("vault_failover_epoch",
            () => _state.Select(s => new Measurement<long>(s.Value.Epoch, new KeyValuePair<string, object?>("service", s.Key))),
            description: "Failover epoch (fencing token) of the service");
        _failovers = _meter.CreateCounter<long>("vault_failover_total", description: "Failovers and switchovers by result (completed, degraded, halted)");
    }

    public void Lag(string service, string replica, long? bytes)
    {
        if (bytes is { } b)
        {
            _lag[(service, replica)] = b;
        }
        else
        {
            _lag.TryRemove((service, replica), out _);
        }
    }

    public void State(string service, FailoverPhase phase, long epoch) => _state[service] = (phase, epoch);

    public void Failover(string service, string result) =>
        _failovers.Add(1, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("result", result));

    public void Dispose() => _meter.Dispose();
}
