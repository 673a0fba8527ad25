using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Vault.Grains.Backup;
using Vault.Grains.Chunks;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Persistence;
using Vault.Grains.Placement;
using Vault.Grains.Restore;

namespace Vault.Grains.Hosting;

public static class VaultGrainsExtensions
{
    /// <summary>
    /// Registers this node's services (repository, index client, pack reader, job runner), the
    /// node placement for PeerGrains, and — when <paramref name="stateDir"/> is given — the
    /// file-based grain storage of the embedded mode.
    /// </summary>
    public static ISiloBuilder AddVaultGrains(this ISiloBuilder silo, VaultNode node, string? stateDir)
    {
        var services = silo.Services;
        services.AddSingleton(node);
        services.AddSingleton(sp => new ChunkIndex(sp.GetRequiredService<IGrainFactory>(), node.Config.IndexPartitionBits));
        services.AddSingleton<PackReader>();
        services.AddSingleton<TreeStore>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<StreamSessions>();
        services.AddSingleton<FileReader>();
        services.AddPlacementDirector<NodePlacementStrategy, NodePlacementDirector>();
        silo.AddIncomingGrainCallFilter<StorageErrorFilter>();
        if (stateDir is not null)
        {
            services.AddKeyedSingleton<IGrainStorage>(VaultStorage.State, (sp, _) =>
                new FileGrainStorage(Path.Combine(stateDir, "state"), durable: true, sp.GetRequiredService<Serializer>()));
            services.AddKeyedSingleton<IGrainStorage>(VaultStorage.Index, (sp, _) =>
                new FileGrainStorage(Path.Combine(stateDir, "index"), durable: false, sp.GetRequiredService<Serializer>()));
        }

        return silo;
    }
}
