using System.Globalization;
using System.Net;
using Vault.Failover;

namespace Vault.Grains.Failover;

/// <summary>Every rule of a service's failover configuration, with messages that name the key, its value and the rule.</summary>
public static class FailoverSpecValidator
{
    public const string Section = "Vault:Failover:Services";

    public static IReadOnlyList<string> Validate(string service, FailoverServiceSpec spec)
    {
        var errors = new List<string>();
        var k = $"{Section}:{service}";
        void Check(bool ok, string key, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{k}:{key} is '{value}'; {rule}"));
            }
        }

        Check(System.Text.RegularExpressions.Regex.IsMatch(service, "^[A-Za-z0-9._-]{1,64}$"), "(name)", service, "a service name must be 1–64 letters, digits, '.', '_' or '-'");
        Check(Enum.IsDefined(spec.Engine), "Engine", spec.Engine, "must be PostgreSql, MySql or Redis");
        Check(spec.CheckInterval >= TimeSpan.FromMilliseconds(100) && spec.CheckInterval <= TimeSpan.FromMinutes(1), "CheckInterval", spec.CheckInterval, "must be between 100 ms and 1 minute");
        Check(spec.CheckTimeout >= TimeSpan.FromMilliseconds(100) && spec.CheckTimeout <= TimeSpan.FromSeconds(30), "CheckTimeout", spec.CheckTimeout, "must be between 100 ms and 30 s");
        Check(spec.FailureThreshold is >= 1 and <= 100, "FailureThreshold", spec.FailureThreshold, "must be between 1 and 100");
        Check(spec.MaxLagBytes >= 0, "MaxLagBytes", spec.MaxLagBytes, "must not be negative");
        Check(spec.MaxLagTime >= TimeSpan.Zero, "MaxLagTime", spec.MaxLagTime, "must not be negative");
        Check(spec.BlockPeriod >= TimeSpan.Zero, "BlockPeriod", spec.BlockPeriod, "must not be negative");
        Check(spec.StepAttempts is >= 1 and <= 20, "StepAttempts", spec.StepAttempts, "must be between 1 and 20");
        Check(spec.SwitchoverCatchUpTimeout > TimeSpan.Zero, "SwitchoverCatchUpTimeout", spec.SwitchoverCatchUpTimeout, "must be positive");
        Check(spec.Replicas.Count > 0, "Replicas", spec.Replicas.Count, "at least one replica is needed to fail over to");

        var nodes = spec.Nodes.Select((n, i) => (Node: n, Key: i == 0 ? "Primary" : $"Replicas:{i - 1}")).ToList();
        foreach (var (node, key) in nodes)
        {
            Check(!string.IsNullOrWhiteSpace(node.Host), $"{key}:Host", node.Host, "must be a host name or address");
            Check(node.Port is >= 1 and <= 65535, $"{key}:Port", node.Port, "must be a TCP port between 1 and 65535");
            Check(node.Priority >= 0, $"{key}:Priority", node.Priority, "must not be negative (0 = never promote)");
            CheckSecret(errors, $"{k}:{key}:Password", node.Password);
            var remote = !string.IsNullOrWhiteSpace(node.RemoteHost);
            var fenceService = !string.IsNullOrWhiteSpace(node.FenceService);
            var command = !string.IsNullOrWhiteSpace(node.FenceCommand);
            Check(remote || !(fenceService || command), $"{key}:RemoteHost", node.RemoteHost, "must name a host of Vault:Remote:Hosts when FenceService or FenceCommand is set");
            Check(!remote || fenceService ^ command, $"{key}:FenceService", node.FenceService,
                "exactly one of FenceService and FenceCommand must be set when RemoteHost is (what stops the database on that host)");
        }

        var rejoin = spec.Rejoin ?? new RejoinSpec();
        foreach (var (template, key) in new[] { (rejoin.StopCommand, "StopCommand"), (rejoin.RewindCommand, "RewindCommand"), (rejoin.ConfigureCommand, "ConfigureCommand"), (rejoin.StartCommand, "StartCommand") })
        {
            Check(!string.IsNullOrWhiteSpace(template), $"Rejoin:{key}", template, "must be a command (the default is documented in docs/failover.md)");
        }

        Check(!string.IsNullOrWhiteSpace(rejoin.Bin), "Rejoin:Bin", rejoin.Bin, "must be the directory of pg_ctl and pg_rewind on the nodes' machines");
        Check(rejoin.PassFile is null || rejoin.PassFile.Length > 0 && !rejoin.PassFile.Contains('\n', StringComparison.Ordinal), "Rejoin:PassFile", rejoin.PassFile, "must be a file path on the nodes' machines, or unset (~/.pgpass)");
        Check(rejoin.CommandTimeout >= TimeSpan.FromSeconds(1) && rejoin.CommandTimeout <= TimeSpan.FromHours(2), "Rejoin:CommandTimeout", rejoin.CommandTimeout, "must be between 1 s and 2 hours");
        Check(rejoin.VerifyTimeout >= TimeSpan.FromSeconds(1) && rejoin.VerifyTimeout <= TimeSpan.FromMinutes(30), "Rejoin:VerifyTimeout", rejoin.VerifyTimeout, "must be between 1 s and 30 minutes");
        Check(!spec.AutoRejoin || spec.Engine != FailoverEngine.PostgreSql || spec.Nodes.All(n => !string.IsNullOrWhiteSpace(n.DataDirectory)), "AutoRejoin", spec.AutoRejoin,
            "needs every node's DataDirectory for PostgreSql (pg_rewind runs on it)");
        Check(Enum.IsDefined(spec.FenceUnreachable), "FenceUnreachable", spec.FenceUnreachable, "must be Halt or Proceed");
        Check(!spec.SynchronousMode || spec.Engine == FailoverEngine.PostgreSql, "SynchronousMode", spec.SynchronousMode, "is supported for PostgreSql only");
        Check(Enum.IsDefined(spec.NoSynchronousStandby), "NoSynchronousStandby", spec.NoSynchronousStandby, "must be Degrade or Block");

        foreach (var dup in nodes.GroupBy(n => NameOf(n.Node)).Where(g => g.Count() > 1))
        {
            errors.Add($"{k}: node name '{dup.Key}' is used by {string.Join(" and ", dup.Select(d => d.Key))}; names must be unique");
        }

        CheckSecret(errors, $"{k}:Password", spec.Password);
        if (spec.Traffic is { } t)
        {
            errors.AddRange(TrafficSpecValidator.Validate($"{k}:Traffic", t));
        }

        if (spec.Dns is { } d)
        {
            Check(d.Zone.Length > 0, "Dns:Zone", d.Zone, "must name the zone");
            Check(d.Name.Length > 0 && Fqdn(d.Name).EndsWith("." + Fqdn(d.Zone), StringComparison.OrdinalIgnoreCase), "Dns:Name", d.Name, $"must be a name inside the zone '{d.Zone}'");
            Check(Vault.Grains.Failover.Dns.DnsRecordValues.Types.Contains(d.Type), "Dns:Type", d.Type, "must be A, AAAA, CNAME, MX, TXT or SRV");
            Check(d.Ttl is >= 0 and <= 86400, "Dns:Ttl", d.Ttl, "must be between 0 and 86400 seconds");
            Check(Vault.Grains.Failover.Dns.DnsProviders.Kinds.Contains(d.Kind), "Dns:Kind", d.Kind, "must be Rfc2136, Route53 or Cloudflare");
            var rfc2136 = d.Kind == Vault.Grains.Failover.Dns.DnsProviders.Rfc2136;
            Check(IsEndpoint(d.Server) || (!rfc2136 && d.Server.Length == 0 && IsEndpoint(d.Resolver ?? "")), "Dns:Server", d.Server,
                rfc2136 ? "must be host:port of the primary nameserver" : "must be host:port of a nameserver, or empty when Dns:Resolver is set");
            Check(d.Resolver is null || IsEndpoint(d.Resolver), "Dns:Resolver", d.Resolver, "must be host:port of a nameserver that answers the zone's NS query");
            foreach (var (ns, at) in d.NameserverAddresses)
            {
                Check(IsEndpoint(at), $"Dns:NameserverAddresses:{ns}", at, "must be host:port where that nameserver is reached");
            }

            Check(d.NameserverPort is null or (>= 1 and <= 65535), "Dns:NameserverPort", d.NameserverPort, "must be a port between 1 and 65535");
            if (rfc2136)
            {
                Check(d.TsigKeyName.Length > 0, "Dns:TsigKeyName", d.TsigKeyName, "must name the TSIG key the zone allows updates with");
                Check(d.TsigSecret.IsSet, "Dns:TsigSecret", d.TsigSecret, "must give File or Env holding the base64 secret");
                CheckSecret(errors, $"{k}:Dns:TsigSecret", d.TsigSecret);
            }

            Check(d.Kind != "Route53" || d.Route53 is not null, "Dns:Route53", "(missing)", "must be set when Dns:Kind is Route53");
            if (d.Kind == "Route53" && d.Route53 is { } r)
            {
                Check(Uri.TryCreate(r.Endpoint, UriKind.Absolute, out var ru) && (ru.Scheme == Uri.UriSchemeHttps || ru.Scheme == Uri.UriSchemeHttp), "Dns:Route53:Endpoint", r.Endpoint, "must be an http(s) URL");
                Check(System.Text.RegularExpressions.Regex.IsMatch(r.HostedZoneId, "^[A-Z0-9]{1,32}$"), "Dns:Route53:HostedZoneId", r.HostedZoneId, "must be the hosted zone id (letters and digits, e.g. Z0123456789ABC)");
                Check(r.Region.Length > 0, "Dns:Route53:Region", r.Region, "must name the signing region (us-east-1)");
                Check(r.AccessKeyId.IsSet, "Dns:Route53:AccessKeyId", r.AccessKeyId, "must give File or Env holding the access key id");
                Check(r.SecretAccessKey.IsSet, "Dns:Route53:SecretAccessKey", r.SecretAccessKey, "must give File or Env holding the secret access key");
                CheckSecret(errors, $"{k}:Dns:Route53:AccessKeyId", r.AccessKeyId);
                CheckSecret(errors, $"{k}:Dns:Route53:SecretAccessKey", r.SecretAccessKey);
                Check((r.SetIdentifier is null) == (r.Weight is null), "Dns:Route53:Weight", r.Weight, "SetIdentifier and Weight go together (a weighted record needs both)");
                Check(r.Weight is null or (>= 0 and <= 255), "Dns:Route53:Weight", r.Weight, "must be between 0 and 255");
                Check(r.SyncTimeout > TimeSpan.Zero, "Dns:Route53:SyncTimeout", r.SyncTimeout, "must be positive");
                Check(r.MaxAttempts is >= 1 and <= 20, "Dns:Route53:MaxAttempts", r.MaxAttempts, "must be between 1 and 20");
            }

            Check(d.Kind != "Cloudflare" || d.Cloudflare is not null, "Dns:Cloudflare", "(missing)", "must be set when Dns:Kind is Cloudflare");
            if (d.Kind == "Cloudflare" && d.Cloudflare is { } c)
            {
                Check(Uri.TryCreate(c.Endpoint, UriKind.Absolute, out var cu) && (cu.Scheme == Uri.UriSchemeHttps || cu.Scheme == Uri.UriSchemeHttp), "Dns:Cloudflare:Endpoint", c.Endpoint, "must be an http(s) URL");
                Check(c.ApiToken.IsSet, "Dns:Cloudflare:ApiToken", c.ApiToken, "must give File or Env holding the API token");
                CheckSecret(errors, $"{k}:Dns:Cloudflare:ApiToken", c.ApiToken);
                Check(c.MaxAttempts is >= 1 and <= 20, "Dns:Cloudflare:MaxAttempts", c.MaxAttempts, "must be between 1 and 20");
                Check(d.Type != "SRV", "Dns:Type", d.Type, "SRV records are not published through Cloudflare by this provider");
            }
            for (var i = 0; i < d.Nameservers.Count; i++)
            {
                Check(IsEndpoint(d.Nameservers[i]), $"Dns:Nameservers:{i}", d.Nameservers[i], "must be host:port");
            }

            Check(d.PropagationTimeout > TimeSpan.Zero, "Dns:PropagationTimeout", d.PropagationTimeout, "must be positive");
            foreach (var (node, key) in nodes)
            {
                var value = DnsValueOf(node);
                var ok = Vault.Grains.Failover.Dns.DnsRecordValues.Normalize(d.Type, value, out var rule) is not null;
                Check(ok, $"{key}:DnsValue", value, rule);
            }
        }

        for (var i = 0; i < spec.Webhooks.Count; i++)
        {
            var w = spec.Webhooks[i];
            Check(Uri.TryCreate(w.Url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps), $"Webhooks:{i}:Url", w.Url, "must be an http:// or https:// URL");
            Check(w.Secret.IsSet, $"Webhooks:{i}:Secret", w.Secret, "must give File or Env holding the HMAC key");
            CheckSecret(errors, $"{k}:Webhooks:{i}:Secret", w.Secret);
        }

        return errors;
    }

    public static string NameOf(FailoverNodeSpec node) => string.IsNullOrEmpty(node.Name) ? node.Endpoint : node.Name;

    public static string DnsValueOf(FailoverNodeSpec node) => string.IsNullOrEmpty(node.DnsValue) ? node.Host : node.DnsValue;

    public static string HaproxyServerOf(FailoverNodeSpec node) => string.IsNullOrEmpty(node.HaproxyServer) ? NameOf(node) : node.HaproxyServer;

    public static string Fqdn(string name) => name.EndsWith('.') ? name : name + ".";

    public static bool IsEndpoint(string? value) =>
        value is { Length: > 0 } && value.LastIndexOf(':') is var i and > 0 &&
        int.TryParse(value.AsSpan(i + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;

    public static (string Host, int Port) SplitEndpoint(string value)
    {
        var i = value.LastIndexOf(':');
        return (value[..i].Trim('[', ']'), int.Parse(value.AsSpan(i + 1), CultureInfo.InvariantCulture));
    }

    private static void CheckSecret(List<string> errors, string key, SecretReference? secret)
    {
        if (secret is null)
        {
            return;
        }

        if (!string.IsNullOrEmpty(secret.File) && !string.IsNullOrEmpty(secret.Env))
        {
            errors.Add($"{key} has both File and Env; give one");
        }
    }
}
