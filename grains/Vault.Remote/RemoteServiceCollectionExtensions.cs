using Microsoft.Extensions.DependencyInjection;
using Vault.Remote.Commands;
using Vault.Remote.Files;
using Vault.Remote.Hosts;
using Vault.Remote.Services;
using Vault.Remote.Trust;

namespace Vault.Remote;

public static class RemoteServiceCollectionExtensions
{
    /// <summary>Registers the remote seams (<see cref="IRemoteShell"/>, <see cref="IRemoteServices"/>, <see cref="IRemoteFiles"/>, <see cref="IHostKeyTrust"/>) for validated options.</summary>
    public static IServiceCollection AddVaultRemote(this IServiceCollection services, RemoteOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<RemoteHosts>();
        services.AddSingleton<RemoteMetrics>();
        services.AddSingleton<SshConnector>();
        services.AddSingleton<IRemoteShell, SshShell>();
        services.AddSingleton<IRemoteServices, RemoteServiceControl>();
        services.AddSingleton<IRemoteFiles, SftpFiles>();
        services.AddSingleton<IHostKeyTrust, HostKeyTrust>();
        return services;
    }
}
