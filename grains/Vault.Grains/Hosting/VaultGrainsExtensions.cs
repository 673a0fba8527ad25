using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;
using Orleans.Storage;
using Vault.Grains.Backup;
using Vault.Grains.Check;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Persistence;
using Vault.Grains.Placement;
using Vault.Grains.Restore;
using Vault.Grains.Replication;
using Vault.Grains.Retention;

namespace Vault.Grains.Hosting;

public static class VaultGrainsExtensions
{
    /// <summary>
    /// Registers this node's services (repository, index client, pack reader, job runner), the
    /// node placement for PeerGrains, and — when <paramref name="stateDir"/> is given — the
    /// file-based grain storage of the embedded mode. <paramref name="replication"/> (default: embedded, one
    /// copy on the local disk) turns on pack placement over the roster, replication and the repair loop.
    /// </summary>
    public static ISiloBuilder AddVaultGrains(this ISiloBuilder silo, VaultNode node, string? stateDir, ReplicationSettings? replication = null)
    {
        var services = silo.Services;
        replication ??= ReplicationSettings.Embedded;
        services.AddSingleton(node);
        services.AddSingleton(replication);
        services.TryAddSingleton(new RetentionSettings());
        services.TryAddSingleton(RestoreLimits.Default);
        services.AddSingleton<ClusterView>();
        Notifications.NotificationDefaults.AddVaultNotificationDefaults(services);
        services.AddHostedService<Notifications.MembershipWatch>();
        services.AddSingleton<PackReplicator>();
        // Off-site copy: the silo registers the configured targets first; without them nothing is queued.
        services.TryAddSingleton(new Vault.Offsite.OffsiteOptions());
        services.TryAddSingleton(sp => new Vault.Offsite.Upload.OffsiteQueue(node.DataDir, sp.GetRequiredService<Vault.Offsite.OffsiteOptions>().Targets.Keys));
        services.TryAddSingleton(sp => Vault.Offsite.Stores.OffsiteStores.From(sp.GetRequiredService<Vault.Offsite.OffsiteOptions>()));
        services.AddSingleton(sp => new Vault.Offsite.Upload.OffsiteUploader(
            sp.GetRequiredService<Vault.Offsite.Upload.OffsiteQueue>(), sp.GetRequiredService<Vault.Offsite.Stores.OffsiteStores>(),
            sp.GetRequiredService<Vault.Offsite.OffsiteOptions>(), node.Packs, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Vault.Offsite.Upload.OffsiteUploader>>()));
        services.AddSingleton<Vault.Grains.Offsite.OffsiteCopy>();
        services.AddSingleton<Vault.Grains.Offsite.OffsiteImport>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CondemnedPacks>();
        if (replication.Clustered)
        {
            services.AddSingleton<RepairLoop>();
            services.AddHostedService(sp => sp.GetRequiredService<RepairLoop>());
        }

        // The silo registers its own ScrubSettings (Vault:Scrub); the last registration wins.
        services.TryAddSingleton(ScrubSettings.Default);
        services.AddSingleton<ScrubLoop>();
        services.AddHostedService(sp => sp.GetRequiredService<ScrubLoop>());
        services.AddSingleton(sp => new ChunkIndex(sp.GetRequiredService<IGrainFactory>(), node.Config.IndexPartitionBits));
        services.AddSingleton<PackReader>();
        services.AddSingleton<TreeStore>();
        services.TryAddSingleton(IngestSettings.Default);
        services.AddSingleton<CommitFaults>();
        services.AddSingleton<IngestPath>();
        services.AddHostedService<Snapshots.CommitRecovery>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JobRunner>());
        services.TryAddSingleton<Security.IRepositoryKeyStore, Security.LocalRepositoryKeyStore>();
        services.AddSingleton<StreamSessions>();
        services.AddSingleton<FileReader>();
        services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        silo.AddIncomingGrainCallFilter<StorageErrorFilter>();
        silo.AddOutgoingGrainCallFilter<DepartedSiloRetryFilter>();
        if (stateDir is not null)
        {
            services.AddKeyedSingleton<IGrainStorage>(VaultStorage.State, (sp, _) =>
                new FileGrainStorage(Path.Combine(stateDir, "state"), durable: true, sp.GetRequiredService<Serializer>()));
            services.AddKeyedSingleton<IGrainStorage>(VaultStorage.Index, (sp, _) =>
                new FileGrainStorage(Path.Combine(stateDir, "index"), durable: false, sp.GetRequiredService<Serializer>()));
        }

        return silo;
    }

    /// <summary>
    /// Reminders of the embedded mode, kept in <paramref name="file"/> so they survive restarts (the
    /// cluster mode keeps them in the database).
    /// </summary>
    public static ISiloBuilder UseFileReminderService(this ISiloBuilder silo, string file)
    {
        silo.AddReminders();
        silo.Services.AddSingleton<IReminderTable>(new FileReminderTable(file));
        return silo;
    }
}
