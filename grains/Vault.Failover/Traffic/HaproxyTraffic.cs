// HAProxy as a traffic provider, through the runtime API or the stats page (IHaproxyAdmin). Each node is
// a server of Traffic:Backend (FailoverNodeSpec.HaproxyServer, default the node's name). Enable = state
// ready, disable = maint, drain = state drain and then a wait for the server's current sessions (scur)
// to reach zero, bounded by Traffic:DrainTimeout. Every action reads `show stat` back to verify it.
using System.Globalization;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Traffic;

public sealed class HaproxyTraffic(TrafficSpec spec, IHaproxyAdmin admin, TimeProvider time) : ITrafficProvider, ITrafficWeights
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public override string ToString() => admin.ToString() ?? "HAProxy";

    public async Task<string> PreflightAsync(IReadOnlyList<FailoverNodeSpec> nodes, CancellationToken cancellationToken)
    {
        var csv = await admin.ShowStatAsync(cancellationToken);
        if (!HaproxyStatRow.HasBackend(csv, spec.Backend))
        {
            throw new FailoverStepException($"{this} has no backend '{spec.Backend}' (Traffic:Backend)");
        }

        var missing = nodes.Select(FailoverSpecValidator.HaproxyServerOf).Where(s => HaproxyStatRow.Find(csv, spec.Backend, s) is null).ToList();
        return missing.Count == 0
            ? $"{this} answers; backend {spec.Backend} has servers {string.Join(", ", nodes.Select(n => Describe(csv, FailoverSpecValidator.HaproxyServerOf(n))))}"
            : throw new FailoverStepException($"{this}: backend {spec.Backend} has no server {string.Join(", ", missing)} (FailoverNodeSpec.HaproxyServer)");
    }

    public async Task<string> EnableAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var server = FailoverSpecValidator.HaproxyServerOf(node);
        await admin.SetStateAsync(spec.Backend, server, "ready", cancellationToken);
        var state = await GetStateAsync(node, cancellationToken);
        return state.Status.StartsWith("MAINT", StringComparison.Ordinal) || state.Status.StartsWith("DRAIN", StringComparison.Ordinal)
            ? throw new FailoverStepException($"HAProxy {spec.Backend}/{server} is still {state.Status} after 'state ready'")
            : $"HAProxy {spec.Backend}/{server} ready ({state.Status})";
    }

    public async Task<string> DisableAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var server = FailoverSpecValidator.HaproxyServerOf(node);
        await admin.SetStateAsync(spec.Backend, server, "maint", cancellationToken);
        var state = await GetStateAsync(node, cancellationToken);
        return state.Status.StartsWith("MAINT", StringComparison.Ordinal)
            ? $"HAProxy {spec.Backend}/{server} in maint"
            : throw new FailoverStepException($"HAProxy {spec.Backend}/{server} is {state.Status} after 'state maint'");
    }

    public async Task<string> DrainAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var server = FailoverSpecValidator.HaproxyServerOf(node);
        await admin.SetStateAsync(spec.Backend, server, "drain", cancellationToken);
        var started = time.GetTimestamp();
        while (true)
        {
            var state = await GetStateAsync(node, cancellationToken);
            if (!state.Status.StartsWith("DRAIN", StringComparison.Ordinal) && !state.Status.StartsWith("MAINT", StringComparison.Ordinal))
            {
                throw new FailoverStepException($"HAProxy {spec.Backend}/{server} is {state.Status} after 'state drain'");
            }

            var took = time.GetElapsedTime(started);
            if (state.Sessions is 0 or null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"HAProxy {spec.Backend}/{server} drained: no session left after {took.TotalSeconds:0.0} s");
            }

            if (took >= spec.DrainTimeout)
            {
                throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                    $"HAProxy {spec.Backend}/{server} still has {state.Sessions} session(s) after draining for {spec.DrainTimeout.TotalSeconds:0.#} s (Traffic:DrainTimeout)"));
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    public async Task<TrafficServerState> GetStateAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var server = FailoverSpecValidator.HaproxyServerOf(node);
        var row = HaproxyStatRow.Find(await admin.ShowStatAsync(cancellationToken), spec.Backend, server)
            ?? throw new FailoverStepException($"{this}: server {spec.Backend}/{server} is not in 'show stat'");
        return new TrafficServerState($"{spec.Backend}/{server}", row.Status, row.Status.StartsWith("UP", StringComparison.Ordinal) || row.Status == "no check", row.Sessions, row.Weight);
    }

    public async Task SetWeightAsync(string target, int weight, CancellationToken cancellationToken)
    {
        await admin.SetWeightAsync(spec.Backend, target, weight, cancellationToken);
        var now = await GetWeightAsync(target, cancellationToken);
        if (now != weight)
        {
            throw new FailoverStepException($"HAProxy {spec.Backend}/{target} reports weight {now} after 'set weight {weight}'");
        }
    }

    public async Task<int> GetWeightAsync(string target, CancellationToken cancellationToken) =>
        HaproxyStatRow.Find(await admin.ShowStatAsync(cancellationToken), spec.Backend, target) is { Weight: { } w }
            ? w
            : throw new FailoverStepException($"{this}: server {spec.Backend}/{target} has no weight in 'show stat'");

    private string Describe(string csv, string server) => HaproxyStatRow.Find(csv, spec.Backend, server) is { } r ? $"{server} ({r.Status})" : server;
}
