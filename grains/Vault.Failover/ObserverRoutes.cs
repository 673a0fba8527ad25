using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover;

/// <summary>
/// How this silo reaches the protected servers when its path differs from the configured address
/// (a tunnel, a NAT, a local proxy): "host:port=host:port" pairs from Vault:Failover:Observer:Routes.
/// Used by this silo's checks and its observer votes alike, so a silo votes on what it can really reach.
/// </summary>
public sealed class ObserverRoutes
{
    private readonly Dictionary<string, (string Host, int Port)> _routes = new(StringComparer.OrdinalIgnoreCase);

    public ObserverRoutes(IEnumerable<string> routes)
    {
        foreach (var route in routes)
        {
            var parts = route.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !FailoverSpecValidator.IsEndpoint(parts[0]) || !FailoverSpecValidator.IsEndpoint(parts[1]))
            {
                throw new ArgumentException($"Vault:Failover:Observer:Routes entry '{route}' must be host:port=host:port");
            }

            _routes[parts[0]] = FailoverSpecValidator.SplitEndpoint(parts[1]);
        }
    }

    public ServerEndpoint Apply(ServerEndpoint endpoint) =>
        _routes.TryGetValue($"{endpoint.Host}:{endpoint.Port}", out var to) ? endpoint with { Host = to.Host, Port = to.Port } : endpoint;
}
