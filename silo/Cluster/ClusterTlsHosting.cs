using Orleans.Configuration;
using Vault.ClusterTls;
using Vault.Silo.Hosting;

namespace Vault.Silo.Cluster;

/// <summary>Orleans wiring of cluster mutual TLS on a silo: the silo listener, the gateway listener and outgoing silo connections.</summary>
public static class ClusterTlsHosting
{
    /// <summary>Reads the certificate files when <c>Vault:Cluster:Tls:Mode</c> is Required (null when Off); a file that cannot be used stops the node, naming its key.</summary>
    public static ClusterCertificates? Load(ClusterTlsOptions options)
    {
        if (!options.Enabled)
        {
            return null;
        }

        try
        {
            return new ClusterCertificates(options);
        }
        catch (ClusterTlsException e)
        {
            throw new StartupException(e.Message);
        }
    }

    public static ISiloBuilder UseVaultClusterTls(this ISiloBuilder silo, ClusterCertificates certificates)
    {
        silo.Services.AddSingleton(certificates);
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<ILoggerFactory>((o, logs) =>
        {
            certificates.Logger = logs.CreateLogger<ClusterCertificates>();
            certificates.LogLoaded();
            var inbound = certificates.CreateTlsOptions("inbound");
            var outbound = certificates.CreateTlsOptions("outbound");
            o.ConfigureSiloInboundConnection(b => b.UseServerTls(inbound));
            o.ConfigureGatewayInboundConnection(b => b.UseServerTls(inbound));
            o.ConfigureSiloOutboundConnection(b => b.UseClientTls(outbound));
        });
        return silo;
    }
}
