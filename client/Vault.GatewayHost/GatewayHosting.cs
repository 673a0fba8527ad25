using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Npgsql;
using Orleans.Configuration;
using Vault.Gateway;

namespace Vault.GatewayHost;

public sealed class GatewayStartupException(string message) : Exception(message);

/// <summary>Settings of the standalone gateway, bound from "Vault" (appsettings, Vault__* environment, command line).</summary>
public sealed class GatewayHostOptions
{
    public int HttpPort { get; set; } = 7500;

    public int GrpcPort { get; set; } = 7501;

    public string BindAddress { get; set; } = "127.0.0.1";

    public ClusterSection Cluster { get; set; } = new();

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

    public static WebApplicationBuilder AddVaultGatewayHost(this WebApplicationBuilder builder, string[] args)
    {
        foreach (var a in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', 2)[0]))
        {
            if (!Switches.ContainsKey(a) && !a.StartsWith("--Vault:", StringComparison.OrdinalIgnoreCase))
            {
                throw new GatewayStartupException($"unknown option '{a}'; the options are {string.Join(", ", Switches.Keys)} (or --Vault:Section:Key=value)");
            }
        }

        builder.Configuration.AddCommandLine(args, Switches);
        var options = new GatewayHostOptions();
        builder.Configuration.GetSection("Vault").Bind(options);
        var database = options.Cluster.Database;
        if (string.IsNullOrWhiteSpace(database))
        {
            throw new GatewayStartupException("Vault:Cluster:Database is empty; give the cluster's PostgreSQL connection string (--cluster-db)");
        }

        if (!IPAddress.TryParse(options.BindAddress, out var ip))
        {
            throw new GatewayStartupException($"Vault:BindAddress is '{options.BindAddress}'; must be an IP address such as 127.0.0.1");
        }

        CheckDatabase(database);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(ip, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(ip, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
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
        });
        builder.Services.AddVaultGateway(builder.Configuration);
        builder.Services.Configure<Vault.Gateway.GatewayOptions>(o =>
        {
            o.ClusterMode = "cluster";
            if (o.Auth.Length == 0)
            {
                // As on a silo: authentication is on by default; only a loopback-only gateway may do without it.
                o.Auth = IPAddress.IsLoopback(ip) ? "off" : "required";
            }

            o.Replicas = options.Cluster.Replicas;
            o.WriteQuorum = options.Cluster.WriteQuorum ?? options.Cluster.Replicas;
        });
        return builder;
    }

    public static WebApplication MapVaultGatewayHost(this WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "Healthy" }));
        app.MapGet("/health/ready", (IClusterClient client) => Results.Ok(new { status = "Healthy" }));
        app.MapVaultGateway();
        return app;
    }

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
