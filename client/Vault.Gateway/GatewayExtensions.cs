using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Vault.Gateway;

/// <summary>Wiring of the gateway into an ASP.NET Core host that also holds an <c>IGrainFactory</c>.</summary>
public static class GatewayExtensions
{
    /// <summary>
    /// Adds gRPC with JSON transcoding, the exception interceptor and <see cref="GatewayOptions"/>
    /// (bound from <c>Vault:Gateway</c> when <paramref name="configuration"/> is given).
    /// </summary>
    public static IServiceCollection AddVaultGateway(this IServiceCollection services, IConfiguration? configuration = null)
    {
        var options = services.AddOptions<GatewayOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(GatewayOptions.SectionName));
        }

        services.AddSingleton<ExceptionInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ExceptionInterceptor>();
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding();
        return services;
    }

    /// <summary>Maps the gRPC service; the REST routes under /api/v1 come with it through transcoding.</summary>
    public static GrpcServiceEndpointConventionBuilder MapVaultGateway(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<VaultGatewayService>();
}
