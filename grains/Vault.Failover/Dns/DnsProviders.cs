using Vault.Failover;

namespace Vault.Grains.Failover.Dns;

/// <summary>The provider a service's Dns:Kind names.</summary>
public static class DnsProviders
{
    public const string Rfc2136 = "Rfc2136";
    public const string Route53 = "Route53";
    public const string Cloudflare = "Cloudflare";

    public static readonly IReadOnlyList<string> Kinds = [Rfc2136, Route53, Cloudflare];

    public static IDnsProvider Create(DnsSpec spec, HttpClient? http = null) => spec.Kind switch
    {
        Route53 => new Route53DnsProvider(spec, http ?? SharedHttp),
        Cloudflare => new CloudflareDnsProvider(spec, http ?? SharedHttp),
        _ => new Rfc2136DnsProvider(spec),
    };

    private static HttpClient SharedHttp { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };
}
