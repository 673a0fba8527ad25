using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Vault.Gateway;

/// <summary>Wiring of the gateway into an ASP.NET Core host that also holds an <c>IGrainFactory</c>.</summary>
public static class GatewayExtensions
{
    private const string CorsPolicy = "vault";

    /// <summary>
    /// Adds gRPC with JSON transcoding, the exception and access interceptors, API keys, the rate limiter, CORS
    /// (only with configured origins) and <see cref="GatewayOptions"/> (bound from <c>Vault:Gateway</c> when
    /// <paramref name="configuration"/> is given). Throws when an RPC has no declared role.
    /// </summary>
    public static IServiceCollection AddVaultGateway(this IServiceCollection services, IConfiguration? configuration = null)
    {
        RpcPolicy.CheckComplete();
        var options = services.AddOptions<GatewayOptions>();
        var origins = Array.Empty<string>();
        if (configuration is not null)
        {
            var section = configuration.GetSection(GatewayOptions.SectionName);
            options.Bind(section);
            origins = section.GetSection("Cors:Origins").Get<string[]>() ?? [];
        }

        services.AddSingleton<ExceptionInterceptor>();
        services.AddSingleton<AccessInterceptor>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<RefusedCallLog>();
        services.AddHostedService<RefusedCallLog.Flusher>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ExceptionInterceptor>();
            grpc.Interceptors.Add<AccessInterceptor>();
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding();
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<GatewayOptions>>((grpc, gateway) =>
        {
            grpc.MaxReceiveMessageSize = gateway.Value.MaxRequestBytes;
            grpc.MaxSendMessageSize = 8 * 1024 * 1024;
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(RatePartition);
            limiter.OnRejected = (rejected, _) => RejectAsync(rejected.HttpContext);
        });
        if (origins.Length > 0)
        {
            services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
                policy.WithOrigins(origins).WithMethods("GET", "POST", "DELETE").WithHeaders("authorization", "content-type")));
        }

        return services;
    }

    /// <summary>The gateway's middleware: problem details for REST errors, CORS (when configured), rate limits.</summary>
    public static IApplicationBuilder UseVaultGateway(this IApplicationBuilder app)
    {
        app.UseMiddleware<ProblemDetailsMiddleware>();
        if (app.ApplicationServices.GetService<Microsoft.AspNetCore.Cors.Infrastructure.ICorsService>() is not null)
        {
            app.UseCors(CorsPolicy);
        }

        app.UseRateLimiter();
        return app;
    }

    /// <summary>Maps the gRPC service (the REST routes under /api/v1 come with it through transcoding) and GET /api/v1/openapi.json.</summary>
    public static GrpcServiceEndpointConventionBuilder MapVaultGateway(this IEndpointRouteBuilder endpoints)
    {
        var document = new Lazy<string>(() => OpenApiDocument.Build(VaultGatewayService.Version));
        endpoints.MapGet("/api/v1/openapi.json", () => Results.Text(document.Value, "application/json"));
        return endpoints.MapGrpcService<VaultGatewayService>();
    }

    /// <summary>Serves TLS on an endpoint when <see cref="GatewayOptions.Tls"/> names a certificate (PEM files).</summary>
    public static void UseVaultTls(this ListenOptions listen, GatewayOptions options)
    {
        if (options.Tls.Enabled)
        {
            listen.UseHttps(LoadCertificate(options.Tls.CertificateFile!, options.Tls.KeyFile!));
        }
    }

    /// <summary>Loads a PEM certificate and key; the message names the files when they do not fit together.</summary>
    public static X509Certificate2 LoadCertificate(string certificateFile, string keyFile)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"{GatewayOptions.SectionName}:Tls:CertificateFile '{certificateFile}' and KeyFile '{keyFile}' are not a usable PEM certificate and key: {e.Message}");
        }
    }

    // Per API key (the token's hash: no grain call before the limit); per client address without one or with one not known to be valid.
    // Health, metrics and the OpenAPI document are not limited.
    private static RateLimitPartition<string> RatePartition(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RateLimit;
        var path = context.Request.Path;
        var api = path.StartsWithSegments("/api/v1") || ProblemDetailsMiddleware.IsGrpc(context.Request);
        if (limits.RequestsPerSecond <= 0 || !api || path.StartsWithSegments("/api/v1/openapi.json"))
        {
            return RateLimitPartition.GetNoLimiter("none");
        }

        // A key of its own only for a token that authenticated recently; junk tokens share their client address's bucket.
        var authorization = context.Request.Headers.Authorization.ToString();
        var key = authorization.Length > 0 && context.RequestServices.GetRequiredService<ApiKeys>().RecentlyAccepted(authorization)
            ? "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)))[..32]
            : "ip:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = limits.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static ValueTask RejectAsync(HttpContext context)
    {
        const string message = "rate limit exceeded for this API key; slow down and retry";
        context.Response.Headers.RetryAfter = "1";
        if (ProblemDetailsMiddleware.IsGrpc(context.Request))
        {
            // A trailers-only gRPC response, so that gRPC clients see RESOURCE_EXHAUSTED rather than a transport error.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = message;
            return ValueTask.CompletedTask;
        }

        return new ValueTask(ProblemDetailsMiddleware.WriteAsync(context.Response, StatusCodes.Status429TooManyRequests, message));
    }
}
