using Vault.Configuration;

namespace Vault.Silo.Hosting;

/// <summary>Metrics sampling and trace export, bound from <c>Vault:Telemetry</c>.</summary>
[ConfigurationSection(Section)]
public sealed class TelemetryOptions
{
    public const string Section = "Vault:Telemetry";

    /// <summary>OTLP collector for traces (e.g. http://127.0.0.1:4318). Empty: tracing is off.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>"grpc" (port 4317 by convention) or "http/protobuf" (port 4318).</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>
    /// Who may scrape /metrics when authentication is required: Loopback (default: Prometheus on the node itself
    /// without a key, others with a reader key), Open (anyone) or Key (a reader key always).
    /// </summary>
    public Vault.Gateway.EndpointAccess MetricsAccess { get; set; } = Vault.Gateway.EndpointAccess.Loopback;

    /// <summary>How often storage and catalog gauges are refreshed.</summary>
    public int SampleIntervalSeconds { get; set; } = 15;

    public IEnumerable<string> Validate()
    {
        if (OtlpEndpoint is { Length: > 0 } e && (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return $"{Section}:OtlpEndpoint is '{e}'; must be an absolute http:// or https:// URL";
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return $"{Section}:OtlpProtocol is '{OtlpProtocol}'; must be grpc or http/protobuf";
        }

        if (SampleIntervalSeconds is < 1 or > 3600)
        {
            yield return $"{Section}:SampleIntervalSeconds is {SampleIntervalSeconds}; must be between 1 and 3600";
        }
    }
}

/// <summary>Console log format, bound from <c>Vault:Logging</c>. Levels come from the standard <c>Logging</c> section.</summary>
[ConfigurationSection(Section)]
public sealed class LoggingOptions
{
    public const string Section = "Vault:Logging";

    /// <summary>"text" (default) or "json": one JSON object per line on standard output.</summary>
    public string Format { get; set; } = "text";

    public IEnumerable<string> Validate()
    {
        if (Format is not ("text" or "json"))
        {
            yield return $"{Section}:Format is '{Format}'; must be text or json";
        }
    }
}

/// <summary>Readiness thresholds, bound from <c>Vault:Health</c>.</summary>
[ConfigurationSection(Section)]
public sealed class HealthOptions
{
    public const string Section = "Vault:Health";

    /// <summary>Readiness fails when the data directory's file system has less free space (default 1 GiB).</summary>
    public long MinFreeBytes { get; set; } = 1L << 30;

    public IEnumerable<string> Validate()
    {
        if (MinFreeBytes < 0)
        {
            yield return $"{Section}:MinFreeBytes is {MinFreeBytes}; must be 0 or more";
        }
    }
}

/// <summary>The Orleans Dashboard at /dashboard on the HTTP port, bound from <c>Vault:Dashboard</c>.</summary>
[ConfigurationSection(Section)]
public sealed class DashboardOptions
{
    public const string Section = "Vault:Dashboard";

    public const string Path = "/dashboard";

    public bool Enabled { get; set; } = true;

    /// <summary>How often the dashboard collects grain statistics; its main cost while nobody looks.</summary>
    public int CounterUpdateIntervalMs { get; set; } = 1000;

    public IEnumerable<string> Validate()
    {
        if (CounterUpdateIntervalMs is < 100 or > 600_000)
        {
            yield return $"{Section}:CounterUpdateIntervalMs is {CounterUpdateIntervalMs}; must be between 100 and 600000";
        }
    }
}
