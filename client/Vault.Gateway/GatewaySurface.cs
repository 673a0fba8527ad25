using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vault.Configuration;

namespace Vault.Gateway;

/// <summary>
/// The gateway as a host serves it — the same for the gateway co-hosted in a silo and for the standalone
/// vault-gateway: Vault:Gateway bound strictly and validated (plaintext refused outside loopback unless
/// AllowPlaintext; authentication required outside loopback unless Auth=off), the certificate loaded at start,
/// Kestrel's listeners (TLS when configured) and request limits, the gRPC and REST services with their
/// interceptors, rate limiter, CORS and problem details, the keys of the endpoints beside the API
/// (<see cref="ProtectedEndpoint"/>), and /health/live and /health/ready.
/// </summary>
public static class GatewaySurface
{
    /// <summary>Longest request line and total request headers Kestrel accepts (a 64 KiB path or header is refused with 414/431).</summary>
    public const int MaxRequestLineBytes = 16 * 1024;

    public const int MaxRequestHeaderBytes = 32 * 1024;

    /// <summary>
    /// Wires the gateway into <paramref name="builder"/>, listening on <paramref name="address"/> at
    /// <paramref name="httpPort"/> (REST, HTTP/1.1) and <paramref name="grpcPort"/> (gRPC, HTTP/2); 0 takes a free port.
    /// <paramref name="configure"/> sets what the host knows (default node, cluster mode, replicas).
    /// Throws <see cref="ConfigurationBindingException"/> naming every bad key.
    /// </summary>
    public static GatewayOptions AddVaultGatewaySurface(
        this WebApplicationBuilder builder, IPAddress address, int httpPort, int grpcPort, Action<GatewayOptions> configure)
    {
        var options = StrictBinder.Bind<GatewayOptions>(builder.Configuration, GatewayOptions.SectionName);
        var errors = options.Validate(address.ToString()).Concat(BootstrapToken.Validate(options)).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationBindingException(errors);
        }

        configure(options);
        ApplyDefaults(options, address);
        if (options.Tls.Enabled)
        {
            // Fail at start, naming the files, rather than at the first connection.
            try
            {
                GatewayExtensions.LoadCertificate(options.Tls.CertificateFile!, options.Tls.KeyFile!).Dispose();
            }
            catch (InvalidOperationException e)
            {
                throw new ConfigurationBindingException([e.Message]);
            }
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            k.Limits.MaxRequestLineSize = MaxRequestLineBytes;
            k.Limits.MaxRequestHeadersTotalSize = MaxRequestHeaderBytes;
            k.Listen(address, httpPort, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.UseVaultTls(options);
            });
            k.Listen(address, grpcPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.UseVaultTls(options);
            });
        });
        builder.Services.AddVaultGateway(builder.Configuration);
        builder.Services.Configure<GatewayOptions>(o =>
        {
            configure(o);
            ApplyDefaults(o, address);
        });
        builder.Services.AddHealthChecks();
        return options;
    }

    /// <summary>
    /// Adds the readiness check "cluster" (tag "ready"): at least one silo of the cluster is active and answers
    /// within a few seconds. For a gateway that is only a client of the cluster.
    /// </summary>
    public static IServiceCollection AddVaultClusterReadiness(this IServiceCollection services)
    {
        services.TryAddSingleton<IClusterProbe, ManagementClusterProbe>();
        services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster", tags: ["ready"]);
        return services;
    }

    /// <summary>The gateway's middleware and endpoints, and /health/live and /health/ready (every check tagged "ready").</summary>
    public static WebApplication MapVaultGatewaySurface(this WebApplication app)
    {
        app.UseVaultGateway();
        app.UseMiddleware<ProtectedEndpointsMiddleware>();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync });
        app.MapVaultGateway();
        return app;
    }

    private static void ApplyDefaults(GatewayOptions options, IPAddress address)
    {
        if (options.Auth.Length == 0)
        {
            // Authentication is on by default; only a loopback-only gateway may do without it.
            options.Auth = IPAddress.IsLoopback(address) ? "off" : "required";
        }
    }

    // The status code is for anyone (probes); with authentication required, the descriptions (which name
    // directories and silos) only for a reader key.
    private static async Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        var services = context.RequestServices;
        var details = await ProtectedEndpointsMiddleware.MayReadDetailsAsync(
            context, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayOptions>>().Value, services.GetRequiredService<ApiKeys>());
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = details ? e.Value.Description : null,
                data = details && e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
