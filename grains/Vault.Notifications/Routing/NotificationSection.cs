using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Vault.Notifications;

/// <summary>
/// Binds Vault:Notifications strictly (an unknown key or a value that does not convert stops the node,
/// naming the key) and validates it (messages name key, value and rule).
/// </summary>
public static partial class NotificationSection
{
    public const string DefaultPagerDutyUrl = "https://events.pagerduty.com/v2/enqueue";

    public static NotificationOptions Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection(NotificationOptions.Section);

        // The dictionaries are bound entry by entry, so an error names the channel or rule it is in.
        var scalars = section.AsEnumerable(makePathsRelative: true)
            .Where(kv => !IsUnder(kv.Key, nameof(NotificationOptions.Channels)) && !IsUnder(kv.Key, nameof(NotificationOptions.Rules)));
        var top = new ConfigurationBuilder().AddInMemoryCollection(scalars).Build();
        var options = Get<NotificationOptions>(top, top, NotificationOptions.Section + ":", NotificationOptions.Section);
        foreach (var child in section.GetSection(nameof(NotificationOptions.Channels)).GetChildren())
        {
            options.Channels[child.Key] = Get<ChannelOptions>(child, configuration, "", child.Path);
        }

        foreach (var child in section.GetSection(nameof(NotificationOptions.Rules)).GetChildren())
        {
            options.Rules[child.Key] = Get<RouteRule>(child, configuration, "", child.Path);
        }

        return options;
    }

    public static IEnumerable<string> Validate(NotificationOptions o)
    {
        const string S = NotificationOptions.Section;
        if (o.DedupWindow < TimeSpan.Zero)
        {
            yield return $"{S}:DedupWindow is {o.DedupWindow}; must be zero (no dedup) or more";
        }

        if (o.MaxAttempts is < 1 or > 100)
        {
            yield return $"{S}:MaxAttempts is {o.MaxAttempts}; must be between 1 and 100";
        }

        if (o.InitialBackoff <= TimeSpan.Zero)
        {
            yield return $"{S}:InitialBackoff is {o.InitialBackoff}; must be more than zero";
        }

        if (o.MaxBackoff < o.InitialBackoff)
        {
            yield return $"{S}:MaxBackoff is {o.MaxBackoff}; must be at least InitialBackoff ({o.InitialBackoff})";
        }

        if (o.UnderReplicatedAfter <= TimeSpan.Zero)
        {
            yield return $"{S}:UnderReplicatedAfter is {o.UnderReplicatedAfter}; must be more than zero";
        }

        if (o.DeadLetterCapacity < 1)
        {
            yield return $"{S}:DeadLetterCapacity is {o.DeadLetterCapacity}; must be at least 1";
        }

        if (o.ExpiryCritical <= TimeSpan.Zero)
        {
            yield return $"{S}:ExpiryCritical is {o.ExpiryCritical}; must be more than zero";
        }

        if (o.ExpiryWarning < o.ExpiryCritical)
        {
            yield return $"{S}:ExpiryWarning is {o.ExpiryWarning}; must be at least ExpiryCritical ({o.ExpiryCritical})";
        }

        if (o.ExpiryCheckInterval < TimeSpan.FromMinutes(1))
        {
            yield return $"{S}:ExpiryCheckInterval is {o.ExpiryCheckInterval}; must be at least 00:01:00";
        }

        if (o.StatusPageUrl is { Length: > 0 } page && !IsHttpUrl(page))
        {
            yield return $"{S}:StatusPageUrl is '{page}'; must be an absolute http or https URL";
        }

        foreach (var (name, channel) in o.Channels)
        {
            foreach (var error in ValidateChannel($"{S}:Channels:{name}", channel))
            {
                yield return error;
            }
        }

        foreach (var (name, rule) in o.Rules)
        {
            foreach (var error in ValidateRule($"{S}:Rules:{name}", rule, o.Channels))
            {
                yield return error;
            }
        }
    }

    private static IEnumerable<string> ValidateChannel(string p, ChannelOptions c)
    {
        if (c.Type is not { } type)
        {
            yield return $"{p}:Type is missing; must be Slack, PagerDuty, Smtp or Webhook";
            yield break;
        }

        if (c.Timeout <= TimeSpan.Zero || c.Timeout > TimeSpan.FromMinutes(5))
        {
            yield return $"{p}:Timeout is {c.Timeout}; must be more than zero and at most 00:05:00";
        }

        if (!string.IsNullOrEmpty(c.SecretFile) && !string.IsNullOrEmpty(c.SecretEnv))
        {
            yield return $"{p}: SecretFile and SecretEnv are both set; give one";
        }

        if (!string.IsNullOrEmpty(c.UrlFile) && !string.IsNullOrEmpty(c.UrlEnv))
        {
            yield return $"{p}: UrlFile and UrlEnv are both set; give one";
        }

        var hasSecret = !string.IsNullOrEmpty(c.SecretFile) || !string.IsNullOrEmpty(c.SecretEnv);
        var smtpKeys = !string.IsNullOrEmpty(c.Host) || c.Port != 0 || !string.IsNullOrEmpty(c.From) || c.To.Count > 0
            || !string.IsNullOrEmpty(c.UserName) || !string.IsNullOrEmpty(c.CaFile);
        if (type != ChannelType.Smtp && smtpKeys)
        {
            yield return $"{p}: Host, Port, From, To, UserName and CaFile apply to Smtp channels only; this one is {type}";
        }

        if (type != ChannelType.Slack && (!string.IsNullOrEmpty(c.UrlFile) || !string.IsNullOrEmpty(c.UrlEnv)))
        {
            yield return $"{p}: UrlFile and UrlEnv apply to Slack channels only (this one is {type}); its secret goes in SecretFile or SecretEnv";
        }

        switch (type)
        {
            case ChannelType.Slack:
                if (!string.IsNullOrEmpty(c.Url))
                {
                    yield return $"{p}:Url is set; a Slack incoming webhook URL is a credential: give it in UrlFile or UrlEnv";
                }
                else if (string.IsNullOrEmpty(c.UrlFile) && string.IsNullOrEmpty(c.UrlEnv))
                {
                    yield return $"{p}: a Slack channel needs UrlFile or UrlEnv (the incoming webhook URL)";
                }

                if (hasSecret)
                {
                    yield return $"{p}: SecretFile/SecretEnv do not apply to Slack channels (the URL is the credential)";
                }

                break;
            case ChannelType.PagerDuty:
                if (!string.IsNullOrEmpty(c.Url) && !IsHttpUrl(c.Url))
                {
                    yield return $"{p}:Url is '{c.Url}'; must be an absolute http or https URL (default {DefaultPagerDutyUrl})";
                }

                if (!hasSecret)
                {
                    yield return $"{p}: a PagerDuty channel needs SecretFile or SecretEnv (the integration's routing key)";
                }

                break;
            case ChannelType.Webhook:
                if (string.IsNullOrEmpty(c.Url) || !IsHttpUrl(c.Url))
                {
                    yield return $"{p}:Url is '{c.Url}'; must be an absolute http or https URL";
                }

                if (!hasSecret)
                {
                    yield return $"{p}: a Webhook channel needs SecretFile or SecretEnv (the HMAC-SHA256 signing secret)";
                }

                break;
            case ChannelType.Smtp:
                if (!string.IsNullOrEmpty(c.Url))
                {
                    yield return $"{p}:Url does not apply to Smtp channels; give Host and Port";
                }

                if (string.IsNullOrWhiteSpace(c.Host))
                {
                    yield return $"{p}:Host is missing; must name the SMTP server";
                }

                if (c.Port is < 1 or > 65535)
                {
                    yield return $"{p}:Port is {c.Port}; must be between 1 and 65535 (587 for StartTls, 465 for Tls)";
                }

                if (!MimeKit.MailboxAddress.TryParse(c.From ?? "", out _))
                {
                    yield return $"{p}:From is '{c.From}'; must be a mail address";
                }

                if (c.To.Count == 0)
                {
                    yield return $"{p}:To is empty; must list at least one mail address";
                }

                for (var i = 0; i < c.To.Count; i++)
                {
                    if (!MimeKit.MailboxAddress.TryParse(c.To[i], out _))
                    {
                        yield return $"{p}:To:{i} is '{c.To[i]}'; must be a mail address";
                    }
                }

                if (!string.IsNullOrEmpty(c.UserName) && !hasSecret)
                {
                    yield return $"{p}: UserName is set but no password; give SecretFile or SecretEnv";
                }

                if (hasSecret && string.IsNullOrEmpty(c.UserName))
                {
                    yield return $"{p}: a password is given but no UserName";
                }

                if (!string.IsNullOrEmpty(c.CaFile) && !File.Exists(c.CaFile))
                {
                    yield return $"{p}:CaFile is '{c.CaFile}'; the file does not exist";
                }

                break;
            default:
                yield return $"{p}:Type is {type}; must be Slack, PagerDuty, Smtp or Webhook";
                break;
        }

        if (!string.IsNullOrEmpty(c.SecretFile) && !File.Exists(c.SecretFile))
        {
            yield return $"{p}:SecretFile is '{c.SecretFile}'; the file does not exist";
        }

        if (!string.IsNullOrEmpty(c.UrlFile) && !File.Exists(c.UrlFile))
        {
            yield return $"{p}:UrlFile is '{c.UrlFile}'; the file does not exist";
        }
    }

    private static IEnumerable<string> ValidateRule(string p, RouteRule rule, Dictionary<string, ChannelOptions> channels)
    {
        if (rule.Channels.Count == 0)
        {
            yield return $"{p}:Channels is empty; must name at least one channel of Vault:Notifications:Channels";
        }

        for (var i = 0; i < rule.Channels.Count; i++)
        {
            if (!channels.ContainsKey(rule.Channels[i]))
            {
                yield return $"{p}:Channels:{i} is '{rule.Channels[i]}'; no such channel (the channels are: {string.Join(", ", channels.Keys.DefaultIfEmpty("none"))})";
            }
        }

        for (var i = 0; i < rule.Kinds.Count; i++)
        {
            var k = rule.Kinds[i];
            var known = k == "*" || EventKinds.All.Contains(k, StringComparer.Ordinal)
                || (k.EndsWith(".*", StringComparison.Ordinal) && EventKinds.All.Any(e => e.StartsWith(k[..^1], StringComparison.Ordinal)));
            if (!known)
            {
                yield return $"{p}:Kinds:{i} is '{k}'; must be an event kind (docs/notifications.md), a prefix pattern like 'backup.*', or '*'";
            }
        }

        for (var i = 0; i < rule.Subjects.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(rule.Subjects[i]))
            {
                yield return $"{p}:Subjects:{i} is empty; must be a subject like 'node:n1' or a pattern like 'schedule:*'";
            }
        }

        if (rule.QuietHours is { } q)
        {
            if (q.Start < TimeSpan.Zero || q.Start >= TimeSpan.FromDays(1))
            {
                yield return $"{p}:QuietHours:Start is {q.Start}; must be a time of day (hh:mm)";
            }

            if (q.End < TimeSpan.Zero || q.End >= TimeSpan.FromDays(1))
            {
                yield return $"{p}:QuietHours:End is {q.End}; must be a time of day (hh:mm)";
            }

            if (q.Start == q.End)
            {
                yield return $"{p}:QuietHours: Start and End are both {q.Start}; the window would be empty";
            }

            if (!TimeZoneInfo.TryFindSystemTimeZoneById(q.TimeZone, out _))
            {
                yield return $"{p}:QuietHours:TimeZone is '{q.TimeZone}'; must be a time zone id such as UTC or Europe/Berlin";
            }
        }
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsUnder(string key, string name) =>
        key.Equals(name, StringComparison.OrdinalIgnoreCase) || key.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase);

    private static T Get<T>(IConfiguration configuration, IConfiguration values, string keyPrefix, string path)
        where T : new()
    {
        try
        {
            return configuration.Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();
        }
        catch (InvalidOperationException e)
        {
            throw new NotificationConfigurationException(Describe(values, keyPrefix, path, e));
        }
    }

    private static string Describe(IConfiguration configuration, string keyPrefix, string path, InvalidOperationException e)
    {
        // The binder wraps the real cause (dictionaries, nested objects): read the innermost message.
        Exception cause = e;
        while (cause.InnerException is InvalidOperationException inner)
        {
            cause = inner;
        }

        if (ConversionError().Match(cause.Message) is { Success: true } m)
        {
            var key = m.Groups["key"].Value;
            var rule = m.Groups["type"].Value switch
            {
                var t when t.Contains("TimeSpan", StringComparison.Ordinal) => "must be a time span: hh:mm:ss, or d.hh:mm:ss",
                var t when t.Contains("Int32", StringComparison.Ordinal) => "must be a whole number",
                var t when t.Contains("EventSeverity", StringComparison.Ordinal) => "must be Info, Warning or Critical",
                var t when t.Contains("ChannelType", StringComparison.Ordinal) => "must be Slack, PagerDuty, Smtp or Webhook",
                var t when t.Contains("SmtpSecurity", StringComparison.Ordinal) => "must be StartTls, Tls or None",
                var t => $"cannot be read as {t}",
            };
            return $"{keyPrefix}{key} is '{configuration[key]}'; {rule}";
        }

        return UnknownKeys().Match(cause.Message) is { Success: true } u
            ? $"{path}: unknown key(s) {u.Groups["keys"].Value} (not a setting here; see docs/notifications.md)"
            : $"{path}: {cause.Message}";
    }

    [GeneratedRegex("at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionError();

    [GeneratedRegex("were not found on the instance of [^:]+: (?<keys>.+)$")]
    private static partial Regex UnknownKeys();
}
