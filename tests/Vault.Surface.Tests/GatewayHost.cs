extern alias gateway;

using System.Net;
using gateway::Vault.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;

namespace Vault.Surface.Tests;

/// <summary>The real gateway in Kestrel on 127.0.0.1 (gRPC over h2c, REST over HTTP/1.1), over fake grains.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, FakeGrainFactory grains, Uri grpc, Uri rest)
    {
        _app = app;
        Grains = grains;
        GrpcAddress = grpc;
        RestAddress = rest;
    }

    public FakeGrainFactory Grains { get; }

    public FakePeer Node => Grains.Peer("node-a");

    public Uri GrpcAddress { get; }

    public Uri RestAddress { get; }

    /// <summary>
    /// Starts the gateway with authentication off and no rate limit unless <paramref name="settings"/> says
    /// otherwise (keys under Vault:Gateway...). TLS is served when Vault:Gateway:Tls:* name a certificate.
    /// </summary>
    public static async Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var grains = new FakeGrainFactory();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Vault:Gateway:DefaultNode"] = "node-a",
            ["Vault:Gateway:DefaultWatchInterval"] = "00:00:00.050",
            ["Vault:Gateway:ClusterMode"] = "embedded",
            ["Vault:Gateway:Auth"] = "off",
            ["Vault:Gateway:RateLimit:RequestsPerSecond"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        var options = new GatewayOptions();
        builder.Configuration.GetSection(GatewayOptions.SectionName).Bind(options);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseVaultTls(options);
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseVaultTls(options);
            });
        });
        builder.Services.AddSingleton<IGrainFactory>(grains);
        builder.Services.AddVaultGateway(builder.Configuration);

        var app = builder.Build();
        app.UseVaultGateway();
        app.MapVaultGateway();
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal))).ToList();
        return new GatewayHost(app, grains, addresses[0], addresses[1]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
