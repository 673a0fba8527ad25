using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Vault.ClusterTls;

/// <summary>Orleans wiring of cluster mutual TLS on a cluster client (the standalone gateway's connections to the silos).</summary>
public static class ClusterTlsClientHosting
{
    public static IClientBuilder UseVaultClusterTls(this IClientBuilder client, ClusterCertificates certificates)
    {
        client.Services.AddSingleton(certificates);
        client.Services.AddOptions<ClientConnectionOptions>().Configure<ILoggerFactory>((o, logs) =>
        {
            certificates.Logger = logs.CreateLogger<ClusterCertificates>();
            certificates.LogLoaded();
            var outbound = certificates.CreateTlsOptions("outbound");
            o.ConfigureConnection(b => b.UseClientTls(outbound));
        });
        return client;
    }
}
