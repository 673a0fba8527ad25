using System.Net;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Vault.Grains;
using Vault.Grains.Replication;
using Vault.Silo.Hosting;

namespace Vault.Silo.Cluster;

/// <summary>Orleans wiring of cluster mode: membership, grain state and reminders in PostgreSQL.</summary>
public static class ClusterHosting
{
    /// <summary>The ADO.NET invariant of Npgsql: every Orleans provider of the cluster uses it.</summary>
    public const string Invariant = "Npgsql";

    public static ISiloBuilder UseVaultCluster(this ISiloBuilder silo, NodeOptions options)
    {
        var cluster = options.Cluster;
        var connectionString = cluster.Database!;
        var advertise = IPAddress.Parse(cluster.Advertise is { Length: > 0 } a ? a : options.BindAddress);
        var bind = IPAddress.Parse(options.BindAddress);
        var listenOnAny = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);
        silo.ConfigureEndpoints(advertise, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: listenOnAny);
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ClusterId;
        });
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            if (cluster.ProbeTimeoutSeconds is { } probe)
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(probe);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(Math.Max(probe * 2, 1));
            }

            if (cluster.MissedProbesLimit is { } missed)
            {
                o.NumMissedProbesLimit = missed;
            }
        });
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });

        // Grain state uses the Orleans binary serializer, like the file storage of the embedded mode:
        // the state types are [GenerateSerializer] with [Alias]es, so renaming a CLR type does not break
        // stored state (the default JSON serializer would store .NET type names).
        foreach (var name in new[] { VaultStorage.State, VaultStorage.Index })
        {
            silo.AddAdoNetGrainStorage(name, ob => ob.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }

        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    public static ReplicationSettings ToReplicationSettings(this NodeOptions options) => new()
    {
        Clustered = true,
        Replicas = options.Cluster.EffectiveReplicas,
        WriteQuorum = options.Cluster.EffectiveWriteQuorum,
        RepairInterval = TimeSpan.FromSeconds(options.Cluster.RepairIntervalSeconds),
        RepairBytesPerSecond = options.Cluster.RepairBytesPerSecond,
        DropAfterStable = TimeSpan.FromSeconds(options.Cluster.DropAfterStableSeconds),
    };
}
