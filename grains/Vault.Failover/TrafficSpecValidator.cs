using System.Globalization;
using Vault.Failover;

namespace Vault.Grains.Failover;

/// <summary>The rules of a service's Traffic section, per Traffic:Kind; each message names the key, its value and the rule.</summary>
public static class TrafficSpecValidator
{
    public static IReadOnlyList<string> Validate(string prefix, TrafficSpec t)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}:{key} is '{value}'; {rule}"));
            }
        }

        static bool IsHttp(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

        Check(Enum.IsDefined(t.Kind), "Kind", t.Kind, "must be Haproxy, Nginx or NginxPlus");
        Check(t.Timeout > TimeSpan.Zero && t.Timeout <= TimeSpan.FromMinutes(5), "Timeout", t.Timeout, "must be positive and at most 5 minutes");
        Check(t.DrainTimeout > TimeSpan.Zero, "DrainTimeout", t.DrainTimeout, "must be positive");
        Check(t.CheckEndpoint is null || FailoverSpecValidator.IsEndpoint(t.CheckEndpoint), "CheckEndpoint", t.CheckEndpoint, "must be host:port of the service as clients reach it through the load balancer");
        switch (t.Kind)
        {
            case TrafficKind.Haproxy:
                var runtime = !string.IsNullOrEmpty(t.RuntimeApi);
                var page = !string.IsNullOrEmpty(t.StatsUrl);
                Check(runtime || page, "RuntimeApi", t.RuntimeApi, "Traffic:Kind Haproxy needs RuntimeApi (host:port of the runtime API) or StatsUrl (the stats page)");
                Check(!runtime || FailoverSpecValidator.IsEndpoint(t.RuntimeApi), "RuntimeApi", t.RuntimeApi, "must be host:port of HAProxy's runtime API (stats socket ipv4@…)");
                Check(!runtime || !page, "StatsUrl", t.StatsUrl, "give RuntimeApi or StatsUrl, not both");
                Check(!page || IsHttp(t.StatsUrl), "StatsUrl", t.StatsUrl, "must be the http:// or https:// URL of HAProxy's stats page (stats uri)");
                Check(!page || !string.IsNullOrEmpty(t.StatsUser), "StatsUser", t.StatsUser, "must name the user of 'stats auth' when StatsUrl is set");
                Check(!page || t.StatsPassword is { IsSet: true }, "StatsPassword", t.StatsPassword, "must give File or Env holding the stats page's password when StatsUrl is set");
                Check(!string.IsNullOrWhiteSpace(t.Backend), "Backend", t.Backend, "must name the HAProxy backend");
                break;
            case TrafficKind.Nginx:
                Check(!string.IsNullOrWhiteSpace(t.RemoteHost), "RemoteHost", t.RemoteHost, "must name the Nginx machine as configured under Vault:Remote:Hosts");
                Check(t.UpstreamFile is { Length: > 1 } f && f.StartsWith('/'), "UpstreamFile", t.UpstreamFile, "must be the absolute path of the include file holding the upstream block");
                Check(!string.IsNullOrWhiteSpace(t.Upstream), "Upstream", t.Upstream, "must name the upstream block");
                Check(!string.IsNullOrWhiteSpace(t.TestCommand), "TestCommand", t.TestCommand, "must be the command that checks Nginx's configuration (nginx -t)");
                Check(!string.IsNullOrWhiteSpace(t.ReloadCommand), "ReloadCommand", t.ReloadCommand, "must be the command that reloads Nginx (nginx -s reload)");
                break;
            case TrafficKind.NginxPlus:
                Check(IsHttp(t.ApiUrl), "ApiUrl", t.ApiUrl, "must be the http:// or https:// base URL of the Nginx Plus API (…/api)");
                Check(t.ApiVersion is >= 1 and <= 99, "ApiVersion", t.ApiVersion, "must be the API version of the paths (1–99; 9 for current Nginx Plus)");
                Check(t.ApiModule is "http" or "stream", "ApiModule", t.ApiModule, "must be http or stream");
                Check(!string.IsNullOrWhiteSpace(t.Upstream), "Upstream", t.Upstream, "must name the upstream");
                break;
        }

        if (t.StatsPassword is { } p && !string.IsNullOrEmpty(p.File) && !string.IsNullOrEmpty(p.Env))
        {
            errors.Add($"{prefix}:StatsPassword has both File and Env; give one");
        }

        return errors;
    }
}
