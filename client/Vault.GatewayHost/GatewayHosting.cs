using System.Net;
using Npgsql;
using Orleans.Configuration;
using Vault.Configuration;
using Vault.Gateway;

namespace Vault.GatewayHost;

public sealed class GatewayStartupException(string message) : Exception(message);

/// <summary>Settings of the standalone gateway, bound from "Vault" (appsettings, Vault__* environment, command line).</summary>
[ConfigurationSection("Vault")]
public sealed class GatewayHostOptions
{
    public int HttpPort { get; set; } = 7500;

    public int GrpcPort { get; set; } = 7501;

    public string BindAddress { get; set; } = "127.0.0.1";

    public ClusterSection Cluster { get; set; } = new();

    /// <summary>Every rule, with a message naming the key, the value and the rule.</summary>
    public IEnumerable<string> Validate()
    {
        foreach (var (key, value) in new[] { ("HttpPort", HttpPort), ("GrpcPort", GrpcPort) })
        {
            if (value is < 0 or > 65535)
            {
                yield return $"Vault:{key} is {value}; must be a TCP port between 1 and 65535 (0: any free port)";
            }
        }

        if (HttpPort == GrpcPort && HttpPort != 0)
        {
            yield return $"Vault:GrpcPort is {GrpcPort}; must differ from Vault:HttpPort ({HttpPort})";
        }

        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return $"Vault:BindAddress is '{BindAddress}'; must be an IP address such as 127.0.0.1";
        }

        if (string.IsNullOrWhiteSpace(Cluster.Database))
        {
            yield return "Vault:Cluster:Database is empty; give the cluster's PostgreSQL connection string (--cluster-db)";
        }

        if (Cluster.Replicas is < 1 or > 16)
        {
            yield return $"Vault:Cluster:Replicas is {Cluster.Replicas}; must be between 1 and 16";
        }

        if (Cluster.WriteQuorum is { } w && (w < 1 || w > Cluster.Replicas))
        {
            yield return $"Vault:Cluster:WriteQuorum is {w}; must be between 1 and Vault:Cluster:Replicas ({Cluster.Replicas})";
        }
    }

    public sealed class ClusterSection
    {
        public string? Database { get; set; }

        public string ClusterId { get; set; } = "vault";

        public int Replicas { get; set; } = 2;

        public int? WriteQuorum { get; set; }
    }
}

public static class GatewayHosting
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--cluster-db"] = "Vault:Cluster:Database",
        ["--cluster-id"] = "Vault:Cluster:ClusterId",
        ["--replicas"] = "Vault:Cluster:Replicas",
        ["--http-port"] = "Vault:HttpPort",
        ["--grpc-port"] = "Vault:GrpcPort",
        ["--bind"] = "Vault:BindAddress",
        ["--default-node"] = "Vault:Gateway:DefaultNode",
    };

    /// <summary>Every configuration section the standalone gateway knows; any other key under Vault: stops it, naming the key.</summary>
    public static ConfigurationSchema Schema { get; } = new ConfigurationSchema()
        .AddAssembly(typeof(GatewayHosting).Assembly)
        .AddAssembly(typeof(Vault.Gateway.GatewayOptions).Assembly);

    /// <summary>
    /// Reads and validates the configuration, connects to the cluster as an Orleans client and wires the same
    /// gateway surface as a silo's (<see cref="GatewaySurface"/>), with readiness that asks the cluster.
    /// <paramref name="cluster"/> replaces the Orleans client (and the database check) with other
    /// registrations of <c>IGrainFactory</c> and <see cref="IClusterProbe"/>: tests run the gateway over fakes.
    /// </summary>
    public static WebApplicationBuilder AddVaultGatewayHost(this WebApplicationBuilder builder, string[] args, Action<IServiceCollection>? cluster = null)
    {
        foreach (var a in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', 2)[0]))
        {
            if (!Switches.ContainsKey(a) && !a.StartsWith("--Vault:", StringComparison.OrdinalIgnoreCase))
            {
                throw new GatewayStartupException($"unknown option '{a}'; the options are {string.Join(", ", Switches.Keys)} (or --Vault:Section:Key=value)");
            }
        }

        builder.Configuration.AddCommandLine(args, Switches);
        GatewayHostOptions options;
        try
        {
            Schema.ThrowIfInvalid(builder.Configuration);
            options = StrictBinder.Bind<GatewayHostOptions>(builder.Configuration, "Vault", Schema);
        }
        catch (ConfigurationBindingException e)
        {
            throw new GatewayStartupException(e.Message);
        }

        Vault.ClusterTls.ClusterTlsOptions clusterTls;
        try
        {
            clusterTls = StrictBinder.Bind<Vault.ClusterTls.ClusterTlsOptions>(builder.Configuration, Vault.ClusterTls.ClusterTlsOptions.Section, Schema);
        }
        catch (ConfigurationBindingException e)
        {
            throw new GatewayStartupException(e.Message);
        }

        var errors = options.Validate().Concat(clusterTls.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new GatewayStartupException(string.Join(Environment.NewLine, errors));
        }

        var ip = IPAddress.Parse(options.BindAddress);
        try
        {
            builder.AddVaultGatewaySurface(ip, options.HttpPort, options.GrpcPort, o =>
            {
                o.ClusterMode = o.ClusterMode.Length == 0 ? "cluster" : o.ClusterMode;
                o.Replicas = options.Cluster.Replicas;
                o.WriteQuorum = options.Cluster.WriteQuorum ?? options.Cluster.Replicas;
            });
        }
        catch (ConfigurationBindingException e)
        {
            throw new GatewayStartupException(e.Message);
        }

        builder.Services.AddVaultClusterReadiness();
        if (cluster is not null)
        {
            cluster(builder.Services);
            return builder;
        }

        var database = options.Cluster.Database!;
        CheckDatabase(database);
        Vault.ClusterTls.ClusterCertificates? certificates = null;
        try
        {
            certificates = clusterTls.Enabled ? new Vault.ClusterTls.ClusterCertificates(clusterTls) : null;
        }
        catch (Vault.ClusterTls.ClusterTlsException e)
        {
            throw new GatewayStartupException(e.Message);
        }

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.Cluster.ClusterId;
                o.ServiceId = options.Cluster.ClusterId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = database;
            });
            if (certificates is not null)
            {
                Vault.ClusterTls.ClusterTlsClientHosting.UseVaultClusterTls(client, certificates);
            }
        });
        return builder;
    }

    /// <summary>The gateway surface: its middleware, REST and gRPC, /health/live and /health/ready (which asks the cluster).</summary>
    public static WebApplication MapVaultGatewayHost(this WebApplication app) => app.MapVaultGatewaySurface();

    /// <summary>Fails fast, naming host:port/database (never the password), when the database cannot be reached.</summary>
    private static void CheckDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder b;
        try
        {
            b = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new GatewayStartupException($"Vault:Cluster:Database is not a valid PostgreSQL connection string: {e.Message}");
        }

        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw new GatewayStartupException($"cannot connect to the cluster database {b.Host}:{b.Port}/{b.Database} (Vault:Cluster:Database): {e.InnerException?.Message ?? e.Message}");
        }
    }
}
