using System.Diagnostics;
using Vault.Grains.Failover.Engines;
using Vault.Grains.Peers;
using Vault.Peers;

namespace Vault.Grains.Failover;

/// <summary>This node's observer check for failover votes: connect through this node's routes and run a trivial query.</summary>
public sealed class NodeProbe(ReplicationEngines engines, ObserverRoutes routes) : IObserverProbe
{
    public async Task<ProbeResult> ProbeAsync(string observer, ProbeRequest request)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var endpoint = routes.Apply(new ServerEndpoint($"{request.Host}:{request.Port}", request.Host, request.Port, request.User,
                Secrets.Read(request.Password, $"password of {request.Host}:{request.Port}")));
            using var deadline = new CancellationTokenSource(request.Timeout + TimeSpan.FromMilliseconds(500));
            await engines.For(request.Engine).PingAsync(endpoint, request.Timeout, deadline.Token);
            return new ProbeResult(observer, true, null, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e)
        {
            return new ProbeResult(observer, false, PostgresEngine.Describe(e), clock.Elapsed.TotalMilliseconds);
        }
    }
}
