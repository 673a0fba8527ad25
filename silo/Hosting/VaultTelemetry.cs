using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using Vault.Grains.Jobs;
using Vault.Grains.Node;
using Vault.Grains.Snapshots;
using Vault.Grains.Telemetry;
using Vault.Snapshots;

namespace Vault.Silo.Hosting;

/// <summary>
/// Metrics (Prometheus at /metrics), traces (OTLP, only when configured), the log format, the
/// Orleans Dashboard and the metrics summary of one node.
/// </summary>
public static class VaultTelemetry
{
    public const string MetricsPath = "/metrics";
    public const string SummaryPath = "/api/v1/metrics/summary";
    private const string OrleansMeter = "Microsoft.Orleans";

    public static WebApplicationBuilder AddVaultTelemetry(this WebApplicationBuilder builder, VaultNode node)
    {
        var configuration = builder.Configuration;
        var telemetry = Bind<TelemetryOptions>(configuration, TelemetryOptions.Section);
        var logging = Bind<LoggingOptions>(configuration, LoggingOptions.Section);
        var health = Bind<HealthOptions>(configuration, HealthOptions.Section);
        var dashboard = Bind<DashboardOptions>(configuration, DashboardOptions.Section);
        var errors = telemetry.Validate().Concat(logging.Validate()).Concat(health.Validate()).Concat(dashboard.Validate()).ToList();
        if (errors.Count > 0)
        {
            throw new StartupException(string.Join(Environment.NewLine, errors));
        }

        if (logging.Format == "json")
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }

        var services = builder.Services;
        services.AddSingleton(telemetry).AddSingleton(health).AddSingleton(dashboard);

        // With authentication required: the summary names nodes and backup times (a reader key); the dashboard shows
        // silos, hosts and grain keys (an admin key, which a browser may give as the Basic password); /metrics as configured.
        services.AddSingleton(new Vault.Gateway.ProtectedEndpoint(SummaryPath, Vault.Security.ApiRole.Reader, Vault.Gateway.EndpointAccess.Key));
        services.AddSingleton(new Vault.Gateway.ProtectedEndpoint(DashboardOptions.Path, Vault.Security.ApiRole.Admin, Vault.Gateway.EndpointAccess.Key, AcceptBasic: true));
        services.AddSingleton(new Vault.Gateway.ProtectedEndpoint(MetricsPath, Vault.Security.ApiRole.Reader, telemetry.MetricsAccess));
        services.AddHostedService(sp => new NodeStatsSampler(
            node, sp.GetRequiredService<IGrainFactory>(), TimeSpan.FromSeconds(telemetry.SampleIntervalSeconds), sp.GetRequiredService<ILogger<NodeStatsSampler>>()));

        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("vault-silo", serviceInstanceId: node.NodeId))
            .WithMetrics(m => m.AddMeter(VaultMetrics.MeterName, OrleansMeter).AddView(OrleansView).AddPrometheusExporter());
        if (telemetry.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            var grpc = telemetry.OtlpProtocol == "grpc";
            var uri = new Uri(endpoint);
            if (!grpc && uri.AbsolutePath == "/")
            {
                // Set in code, the endpoint is used as given: the HTTP exporter needs the signal path.
                uri = new Uri(uri, "/v1/traces");
            }

            otel.WithTracing(t => t.AddSource(VaultTracing.SourceName).AddOtlpExporter(o =>
            {
                o.Endpoint = uri;
                o.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            }));
        }

        return builder;
    }

    /// <summary>
    /// Keeps /metrics valid and lint-clean for Prometheus (promtool check metrics exits 0):
    /// Orleans instruments without a description get one naming the instrument, and the few that
    /// Orleans reports in milliseconds or megabytes — which Prometheus' base-unit rule rejects and
    /// which no view can rescale — are left out. They are listed in docs/observability.md.
    /// </summary>
    private static MetricStreamConfiguration? OrleansView(Instrument instrument)
    {
        if (instrument.Meter.Name != OrleansMeter)
        {
            return null;
        }

        if (instrument.Unit is "ms" or "MB")
        {
            return MetricStreamConfiguration.Drop;
        }

        return string.IsNullOrEmpty(instrument.Description)
            ? new MetricStreamConfiguration { Description = $"Orleans runtime instrument {instrument.Name}." }
            : null;
    }

    /// <summary>The Orleans Dashboard's silo half (statistics collection), when enabled.</summary>
    public static ISiloBuilder AddVaultDashboard(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = Bind<DashboardOptions>(configuration, DashboardOptions.Section);
        if (options.Enabled)
        {
            silo.AddDashboard(o =>
            {
                o.CounterUpdateIntervalMs = options.CounterUpdateIntervalMs;
                o.HideTrace = true;
            });
        }

        return silo;
    }

    public static WebApplication MapVaultTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (app.Services.GetRequiredService<DashboardOptions>().Enabled)
        {
            app.MapOrleansDashboard(DashboardOptions.Path);
        }

        app.MapGet(SummaryPath, SummaryAsync);
        return app;
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new() => NodeConfiguration.Bind<T>(configuration, section);

    /// <summary>
    /// One page for a human or a status board: last backup per node and its age, this node's
    /// totals and errors of the last hour, and the cluster's health. The catalog is read live
    /// (bounded by a timeout); if it does not answer, the last sample is used and says so.
    /// </summary>
    private static async Task<IResult> SummaryAsync(
        IGrainFactory grains,
        IClusterMembershipService membership,
        HealthCheckService health,
        VaultNode node,
        JobRunner jobs,
        CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        string catalogSource;
        IReadOnlyDictionary<string, DateTimeOffset> last;
        long snapshots;
        try
        {
            var list = await grains.GetGrain<ISnapshotCatalogGrain>(SnapshotCatalogGrain.DefaultRepository).ListAsync().WaitAsync(TimeSpan.FromSeconds(5), ct);
            var committed = list.Where(s => s.State == SnapshotState.Committed).ToList();
            snapshots = committed.Count;
            last = committed.GroupBy(s => s.Node, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(s => s.Time), StringComparer.Ordinal);
            catalogSource = "live";
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            var sample = VaultMetrics.Catalog;
            snapshots = sample?.Snapshots ?? 0;
            last = sample?.LastBackup ?? new Dictionary<string, DateTimeOffset>();
            catalogSource = sample is null ? "unavailable" : $"sample of {sample.Sampled:O}";
        }

        var members = membership.CurrentSnapshot.Members.Values
            .GroupBy(m => m.Name)
            .Select(g => g.OrderByDescending(m => m.SiloAddress.Generation).First())
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new { node = m.Name, status = m.Status.ToString().ToLowerInvariant() })
            .ToList();
        var ready = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), ct);
        var totals = VaultMetrics.Totals();
        var storage = VaultMetrics.NodeSamples.FirstOrDefault(s => s.Node == node.NodeId);
        var body = new
        {
            node = node.NodeId,
            generated = now,
            health = new
            {
                node = ready.Status.ToString().ToLowerInvariant(),
                cluster = members.Count > 0 && members.All(m => m.status == "active") ? "healthy" : "degraded",
                nodes = members,
            },
            lastBackups = last.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new { node = kv.Key, time = kv.Value, ageSeconds = Math.Round((now - kv.Value).TotalSeconds, 1) }),
            snapshots,
            catalog = catalogSource,
            jobsRunning = jobs.Running,
            errorsLastHour = VaultMetrics.ErrorsSince(now.AddHours(-1)),
            totals = new
            {
                backupsSucceeded = totals.BackupsSucceeded,
                backupsFailed = totals.BackupsFailed,
                restoresSucceeded = totals.RestoresSucceeded,
                restoresFailed = totals.RestoresFailed,
                bytesNew = totals.BytesNew,
                bytesDeduplicated = totals.BytesDeduplicated,
                bytesStored = totals.BytesStored,
                bytesRestored = totals.BytesRestored,
                errors = totals.Errors,
            },
            storage = storage is null ? null : new { packs = storage.Packs, usedBytes = storage.UsedBytes, freeBytes = storage.FreeBytes, sampled = storage.Sampled },
        };
        return Results.Json(body);
    }
}
