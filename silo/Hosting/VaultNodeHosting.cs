using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Configuration;
using Vault.Gateway;
using Vault.Grains.Hosting;
using Vault.Grains.Node;
using Vault.Silo.Cluster;
using Vault.Storage;

namespace Vault.Silo.Hosting;

/// <summary>Thrown at start for an unusable configuration; the message names key, value and rule.</summary>
public sealed class StartupException(string message) : Exception(message);

public static partial class VaultNodeHosting
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Vault:DataDir",
        ["--http-port"] = "Vault:HttpPort",
        ["--grpc-port"] = "Vault:GrpcPort",
        ["--bind"] = "Vault:BindAddress",
        ["--node-id"] = "Vault:NodeId",
        ["--password-file"] = "Vault:PasswordFile",
        ["--workers"] = "Vault:Workers",
        ["--silo-port"] = "Vault:Cluster:SiloPort",
        ["--gateway-port"] = "Vault:Cluster:GatewayPort",
        ["--auth"] = "Vault:Gateway:Auth",
        ["--cluster-db"] = "Vault:Cluster:Database",
        ["--replicas"] = "Vault:Cluster:Replicas",
        ["--write-quorum"] = "Vault:Cluster:WriteQuorum",
        ["--advertise"] = "Vault:Cluster:Advertise",
        ["--offsite-recover"] = "Vault:Offsite:RecoverFrom",
    };

    /// <summary>Options that take no value.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--apply-schema"] = "Vault:Cluster:ApplySchema",
    };

    /// <summary>Command-line options of the silo, for --help and for rejecting unknown ones.</summary>
    public static IReadOnlyCollection<string> Options => [.. Switches.Keys, .. Flags.Keys];

    /// <summary>
    /// Reads and validates the configuration, opens (or creates) the repository, and wires the
    /// Orleans silo, the co-hosted gateway and the health endpoints.
    /// </summary>
    public static WebApplicationBuilder AddVaultNode(this WebApplicationBuilder builder, string[] args)
    {
        args = ExpandFlags(args);
        CheckArguments(args);
        builder.Configuration.AddCommandLine(args, Switches);
        NodeConfiguration.Check(builder.Configuration);
        var options = NodeConfiguration.Bind<NodeOptions>(builder.Configuration, NodeOptions.Section);
        var failover = FailoverSection.Bind(builder.Configuration);
        var schedules = ScheduleSection.Bind(builder.Configuration, options.NodeId);
        var notifications = NotificationHosting.Bind(builder.Configuration);
        var offsite = OffsiteHosting.Bind(builder.Configuration);
        var clusterTls = NodeConfiguration.Bind<Vault.ClusterTls.ClusterTlsOptions>(builder.Configuration, Vault.ClusterTls.ClusterTlsOptions.Section);
        var errors = options.Validate().Concat(offsite.Validate()).Concat(failover.Validate()).Concat(schedules.Validate()).Concat(clusterTls.Validate())
            .Concat(NodeConfiguration.Bind<Vault.Gateway.GatewayOptions>(builder.Configuration, Vault.Gateway.GatewayOptions.SectionName).Validate(options.BindAddress))
            .Concat(Vault.Notifications.NotificationSection.Validate(notifications)).ToList();
        if (errors.Count > 0)
        {
            throw new StartupException(string.Join(Environment.NewLine, errors));
        }

        var certificates = ClusterTlsHosting.Load(clusterTls);
        var node = options.Cluster.IsCluster ? OpenClusterNode(options) : OpenNode(options, offsite);
        builder.Services.AddSingleton(options);
        builder.Services.AddVaultNodeNotifications(notifications, options);
        var ip = IPAddress.Parse(options.BindAddress);
        try
        {
            builder.AddVaultGatewaySurface(ip, options.HttpPort, options.GrpcPort, o =>
            {
                o.DefaultNode = options.NodeId;
                o.ClusterMode = options.Cluster.IsCluster ? "cluster" : "embedded";
                o.Replicas = options.Cluster.EffectiveReplicas;
                o.WriteQuorum = options.Cluster.EffectiveWriteQuorum;
            });
        }
        catch (Vault.Configuration.ConfigurationBindingException e)
        {
            throw new StartupException(e.Message);
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<SiloOptions>(o => o.SiloName = options.NodeId);
            silo.Services.AddSingleton(options.ToRetentionSettings());
            silo.Services.AddSingleton(options.ToIngestSettings());
            silo.Services.AddVaultOffsite(offsite, node);
            if (options.Cluster.IsCluster)
            {
                silo.UseVaultCluster(options);
                silo.Services.AddSingleton<Vault.Grains.Security.IRepositoryKeyStore>(
                    new Vault.Silo.Cluster.ClusterRepositoryKeyStore(new Vault.Silo.Cluster.ClusterDatabase(options.Cluster.Database!), node));
                silo.AddVaultGrains(node, stateDir: null, options.ToReplicationSettings());
            }
            else
            {
                silo.UseLocalhostClustering(options.Cluster.SiloPort, options.Cluster.GatewayPort);
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = "vault";
                    o.ServiceId = "vault";
                });
                var stateDir = Path.Combine(options.DataDir, "grains");
                silo.AddVaultGrains(node, stateDir);
                silo.UseFileReminderService(Path.Combine(stateDir, "reminders.json"));
            }

            if (certificates is not null)
            {
                silo.UseVaultClusterTls(certificates);
            }

            silo.Services.AddSingleton(options.Scrub.ToSettings());
            silo.AddVaultDashboard(builder.Configuration);
            builder.AddVaultFailoverNode(silo, failover);
        });
        builder.AddVaultTelemetry(node);
        builder.Services.AddHostedService<FailoverStartup>();
        builder.Services.AddSingleton(schedules);
        builder.Services.AddHostedService<ScheduleStartup>();
        builder.AddVaultRemote();
        builder.Services.AddVaultHealth(node);
        return builder;
    }

    public static WebApplication MapVaultNode(this WebApplication app)
    {
        app.MapVaultTelemetry();
        app.MapVaultGatewaySurface();
        return app;
    }

    private static string[] ExpandFlags(string[] args) =>
        args.Select(a => Flags.TryGetValue(a, out var key) ? $"--{key}=true" : a).ToArray();

    private static void CheckArguments(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            var name = a.Split('=', 2)[0];
            if (name.StartsWith("--", StringComparison.Ordinal) && !Switches.ContainsKey(name) && !name.StartsWith("--Vault:", StringComparison.OrdinalIgnoreCase))
            {
                throw new StartupException($"unknown option '{name}'; the options are {string.Join(", ", Switches.Keys)} (or --Vault:Section:Key=value)");
            }

            if (Switches.ContainsKey(name) && !a.Contains('=') && (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)))
            {
                throw new StartupException($"option '{name}' needs a value");
            }

            if (Switches.ContainsKey(name) && !a.Contains('='))
            {
                i++;
            }
        }
    }

    private static string? ReadPassword(NodeOptions options)
    {
        var password = Environment.GetEnvironmentVariable("VAULT_PASSWORD");
        if (options.PasswordFile is { Length: > 0 } file)
        {
            password = File.ReadLines(file).FirstOrDefault() ?? "";
        }

        if (password is { Length: 0 })
        {
            throw new StartupException("the repository password is empty (VAULT_PASSWORD or Vault:PasswordFile)");
        }

        return password;
    }

    /// <summary>
    /// Cluster mode: checks the database (reachable, schema applied or applied now, node id not held by a
    /// live silo), then opens the cluster's shared repository in this node's data directory.
    /// </summary>
    private static VaultNode OpenClusterNode(NodeOptions options)
    {
        var password = ReadPassword(options)
            ?? throw new StartupException("cluster mode needs the repository password (VAULT_PASSWORD or Vault:PasswordFile): every node unwraps the same key");
        var database = new ClusterDatabase(options.Cluster.Database!);
        Task.Run(async () =>
        {
            if (options.Cluster.ApplySchema)
            {
                await database.ApplySchemaAsync();
            }

            await database.CheckSchemaAsync();
            await database.CheckNodeIdFreeAsync(options.Cluster.ClusterId, options.NodeId);
        }).GetAwaiter().GetResult();

        Directory.CreateDirectory(options.DataDir);
        var repository = Task.Run(() => database.OpenSharedRepositoryAsync(options.DataDir, options.NodeId, password, NewConfig(options)))
            .GetAwaiter().GetResult();
        repository.Packs.DeleteStaleTempFiles(TimeSpan.Zero);
        return new VaultNode(options.NodeId, options.DataDir, repository, options.Workers)
        {
            RestoreRoots = RestoreRoots(options),
        };
    }

    private static IReadOnlyList<string> RestoreRoots(NodeOptions options) =>
        [.. options.Restore.AllowedRoots.Select(r => r.Length > 1 ? Path.GetFullPath(r).TrimEnd('/') : r)];

    private static RepositoryConfig NewConfig(NodeOptions options) => new()
    {
        RepositoryId = Guid.NewGuid().ToString("N"),
        Chunker = new ChunkerOptions(options.Chunking.MinSize, options.Chunking.AvgSize, options.Chunking.MaxSize),
        PackSize = options.Repository.PackSize,
        CompressionLevel = options.Repository.CompressionLevel,
        Created = DateTimeOffset.UtcNow,
    };

    private static VaultNode OpenNode(NodeOptions options, Vault.Offsite.OffsiteOptions offsite)
    {
        var password = ReadPassword(options);
        Directory.CreateDirectory(options.DataDir);
        OffsiteHosting.RecoverIfAsked(offsite, options.DataDir, password);
        var config = new RepositoryConfig
        {
            RepositoryId = Guid.NewGuid().ToString("N"),
            Chunker = new ChunkerOptions(options.Chunking.MinSize, options.Chunking.AvgSize, options.Chunking.MaxSize),
            PackSize = options.Repository.PackSize,
            CompressionLevel = options.Repository.CompressionLevel,
            Created = DateTimeOffset.UtcNow,
        };
        var repository = LocalRepository.OpenOrCreate(options.DataDir, password, config, out var createdKeyFile);
        if (createdKeyFile)
        {
            Console.Error.WriteLine(
                $"vault: created a new repository with a generated key in {Path.Combine(options.DataDir, "repo", "keys")} (readable only by its owner). " +
                "Keep a copy of it somewhere safe: without it the backups cannot be read. Set VAULT_PASSWORD or --password-file to use a password instead.");
        }

        // No job runs before the node starts: every temporary pack file is a crash leftover.
        repository.Packs.DeleteStaleTempFiles(TimeSpan.Zero);
        return new VaultNode(options.NodeId, options.DataDir, repository, options.Workers)
        {
            RestoreRoots = RestoreRoots(options),
        };
    }
}
