using Microsoft.Extensions.DependencyInjection;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Vault.Remote.Commands;
using Vault.Remote.Files;

namespace Vault.Grains.Failover.Traffic;

/// <summary>Builds the traffic provider a service's Traffic:Kind names (the spec was validated at start).</summary>
public sealed class TrafficProviders(IServiceProvider services, IHttpClientFactory http, TimeProvider time)
{
    /// <summary>The service's provider, or null when it configures no traffic.</summary>
    public ITrafficProvider? For(FailoverServiceSpec spec) => spec.Traffic is { } t ? For(t) : null;

    public ITrafficProvider For(TrafficSpec t) => t.Kind switch
    {
        TrafficKind.Haproxy => new HaproxyTraffic(t, HaproxyAdmin(t), time),
        TrafficKind.Nginx => new NginxTraffic(t,
            services.GetService<IRemoteShell>() ?? throw NoRemote(t),
            services.GetService<IRemoteFiles>() ?? throw NoRemote(t)),
        TrafficKind.NginxPlus => new NginxPlusTraffic(t, http.CreateClient(nameof(NginxPlusTraffic)), time),
        _ => throw new FailoverStepException($"Traffic:Kind '{t.Kind}' is not a traffic provider"),
    };

    public static IHaproxyAdmin HaproxyAdmin(TrafficSpec t)
    {
        if (FailoverSpecValidator.IsEndpoint(t.RuntimeApi))
        {
            var (host, port) = FailoverSpecValidator.SplitEndpoint(t.RuntimeApi);
            return new HaproxyRuntime(host, port, t.Timeout);
        }

        return new HaproxyStatsPage(new Uri(t.StatsUrl!), t.StatsUser ?? "", Secrets.Read(t.StatsPassword, "HAProxy stats password") ?? "", t.Timeout);
    }

    private static FailoverStepException NoRemote(TrafficSpec t) =>
        new($"Traffic:RemoteHost is '{t.RemoteHost}', but this silo has no remote hosts (Vault:Remote:Hosts)");
}
