extern alias gateway;

using System.Net;
using gateway::Vault.Gateway;
using Vault.GatewayHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;

namespace Vault.Surface.Tests;

/// <summary>
/// The real gateway in Kestrel on 127.0.0.1 (gRPC over h2c, REST over HTTP/1.1), over fake grains, wired the way the
/// silo wires it or the way the standalone vault-gateway does (<see cref="GatewayHostKind"/>).
/// </summary>
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
    /// The host every test of the suite runs against unless it names one: VAULT_TEST_GATEWAY_HOST=standalone runs
    /// the whole suite against vault-gateway's wiring (test.sh runs it both ways); default: the silo's.
    /// </summary>
    public static GatewayHostKind DefaultKind =>
        string.Equals(Environment.GetEnvironmentVariable("VAULT_TEST_GATEWAY_HOST"), "standalone", StringComparison.OrdinalIgnoreCase)
            ? GatewayHostKind.Standalone
            : GatewayHostKind.Silo;

    /// <summary>Whether the cluster behind the gateway answers readiness probes (the standalone host asks it).</summary>
    public FakeClusterProbe Cluster { get; private init; } = new();

    /// <summary>
    /// Starts the gateway with authentication off and no rate limit unless <paramref name="settings"/> says
    /// otherwise (keys under Vault:Gateway...). TLS is served when Vault:Gateway:Tls:* name a certificate.
    /// </summary>
    public static Task<GatewayHost> StartAsync(IDictionary<string, string?>? settings = null) => StartAsync(DefaultKind, settings);

    /// <summary>
    /// Starts the gateway as <paramref name="kind"/> wires it: the silo's co-hosted gateway (the shared surface
    /// with the silo's settings) or the standalone vault-gateway (its own AddVaultGatewayHost, with the Orleans
    /// client replaced by the fake grains). <paramref name="bind"/> is the listening address (given to each host
    /// the way it takes it). <paramref name="map"/> and <paramref name="protectedEndpoints"/> add endpoints beside the API, as
    /// the silo adds /metrics and the dashboard.
    /// </summary>
    public static async Task<GatewayHost> StartAsync(
        GatewayHostKind kind, IDictionary<string, string?>? settings = null, string bind = "127.0.0.1", Action<WebApplication>? map = null, params ProtectedEndpoint[] protectedEndpoints)
    {
        var grains = new FakeGrainFactory();
        var probe = new FakeClusterProbe();
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
        if (kind == GatewayHostKind.Standalone)
        {
            builder.AddVaultGatewayHost(["--bind", bind, "--http-port", "0", "--grpc-port", "0", "--cluster-db", "Host=127.0.0.1;Database=unused"], services =>
            {
                services.AddSingleton<IGrainFactory>(grains);
                services.AddSingleton<IClusterProbe>(probe);
            });
        }
        else
        {
            builder.Services.AddSingleton<IGrainFactory>(grains);
            builder.AddVaultGatewaySurface(IPAddress.Parse(bind), 0, 0, o => o.DefaultNode = "node-a");
        }

        foreach (var endpoint in protectedEndpoints)
        {
            builder.Services.AddSingleton(endpoint);
        }

        var app = builder.Build();
        map?.Invoke(app);
        if (kind == GatewayHostKind.Standalone)
        {
            app.MapVaultGatewayHost();
        }
        else
        {
            app.MapVaultGatewaySurface();
        }

        await app.StartAsync();

        // The surface listens for REST (HTTP/1.1) first, then gRPC (HTTP/2).
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal))).ToList();
        return new GatewayHost(app, grains, addresses[1], addresses[0]) { Cluster = probe, Kind = kind };
    }

    public GatewayHostKind Kind { get; private init; }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
