using Microsoft.Extensions.DependencyInjection;

namespace Vault.Client;

/// <summary>Registration of <see cref="VaultClient"/> in a service collection.</summary>
public static class VaultClientServiceCollectionExtensions
{
    /// <summary>Registers one shared <see cref="VaultClient"/> for the gateway at <paramref name="address"/>.</summary>
    public static IServiceCollection AddVaultClient(this IServiceCollection services, Uri address, VaultClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        services.AddSingleton(_ => new VaultClient(address, options));
        return services;
    }

    /// <summary>Registers one shared <see cref="VaultClient"/> configured by <paramref name="configure"/> (token, handler...).</summary>
    public static IServiceCollection AddVaultClient(this IServiceCollection services, Uri address, Action<VaultClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new VaultClientOptions();
        configure(options);
        return services.AddVaultClient(address, options);
    }
}
