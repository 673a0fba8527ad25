using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Retention;
using Vault.Schedules;

namespace Vault.Gateway;

// Schedules: each RPC is one call to the schedule's grain (the registry for the list). The grain
// validates the definition; the gateway only turns the wire form into it.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.ListSchedulesResponse> ListSchedules(V1.ListSchedulesRequest request, ServerCallContext context)
    {
        var names = await _grains.GetGrain<IScheduleRegistryGrain>(IScheduleRegistryGrain.Key).ListAsync();
        var schedules = await Task.WhenAll(names.Select(n => _grains.GetGrain<IScheduleGrain>(n).TryGetAsync()));
        var response = new V1.ListSchedulesResponse();
        response.Schedules.AddRange(schedules.OfType<ScheduleInfo>().Select(ScheduleProtoMapper.ToProto));
        return response;
    }

    public override async Task<V1.Schedule> GetSchedule(V1.GetScheduleRequest request, ServerCallContext context) =>
        ScheduleProtoMapper.ToProto(await Schedule(request.Name).GetAsync());

    public override async Task<V1.Schedule> PutSchedule(V1.PutScheduleRequest request, ServerCallContext context)
    {
        var grain = Schedule(request.Name);
        var spec = ScheduleProtoMapper.FromProto(request.Name, request.Spec ?? new V1.ScheduleSpec(), _options.DefaultNode);
        return ScheduleProtoMapper.ToProto(await grain.PutAsync(spec));
    }

    public override async Task<V1.Schedule> DeleteSchedule(V1.DeleteScheduleRequest request, ServerCallContext context) =>
        ScheduleProtoMapper.ToProto(await Schedule(request.Name).DeleteAsync());

    public override async Task<V1.Schedule> RunScheduleNow(V1.RunScheduleNowRequest request, ServerCallContext context) =>
        ScheduleProtoMapper.ToProto(await Schedule(request.Name).RunNowAsync());

    private IScheduleGrain Schedule(string name) =>
        string.IsNullOrWhiteSpace(name)
            ? throw Invalid("a schedule name is required")
            : _grains.GetGrain<IScheduleGrain>(name);
}

/// <summary>Schedules to and from their wire form; durations as "90s", "15m", "6h", "1h30m", "7d".</summary>
public static partial class ScheduleProtoMapper
{
    public static ScheduleSpec FromProto(string name, V1.ScheduleSpec p, string defaultNode)
    {
        var kind = p.Kind switch
        {
            V1.ScheduleKind.Backup => ScheduleKind.Backup,
            V1.ScheduleKind.Forget => ScheduleKind.Forget,
            V1.ScheduleKind.Gc => ScheduleKind.Gc,
            _ => throw new InvalidRequestException($"schedule '{name}': kind is {p.Kind}; must be backup, forget or gc"),
        };
        RequestLimits.CheckPaths(p.Paths, "path");
        RequestLimits.CheckTags(p.Tags);
        RequestLimits.CheckPatterns(p.Excludes, "exclude pattern");
        RequestLimits.CheckName(p.Node, "node");
        foreach (var path in p.Paths)
        {
            RequestLimits.CheckPath(path, "path");
        }

        var node = p.Node.Length > 0 ? p.Node : null;
        if (kind == ScheduleKind.Backup && node is null)
        {
            node = defaultNode.Length > 0 ? defaultNode : throw new InvalidRequestException($"schedule '{name}': no node given and the gateway has no default node");
        }

        return new ScheduleSpec
        {
            Name = name,
            Kind = kind,
            Node = node,
            Paths = [.. p.Paths],
            Excludes = [.. p.Excludes],
            Tags = [.. p.Tags],
            Every = p.Every.Length > 0 ? ParseDuration(name, "every", p.Every) : null,
            Cron = p.Cron.Length > 0 ? p.Cron : null,
            MaxRetries = p.HasMaxRetries ? p.MaxRetries : new ScheduleSpec().MaxRetries,
            RetryBackoff = p.RetryBackoff.Length > 0 ? ParseDuration(name, "retry_backoff", p.RetryBackoff) : new ScheduleSpec().RetryBackoff,
            Retention = p.Retention is { } r ? FromProto(name, r) : null,
            Enabled = !p.Disabled,
        };
    }

    public static V1.Schedule ToProto(ScheduleInfo info)
    {
        var s = info.Spec;
        var spec = new V1.ScheduleSpec
        {
            Kind = s.Kind switch
            {
                ScheduleKind.Backup => V1.ScheduleKind.Backup,
                ScheduleKind.Forget => V1.ScheduleKind.Forget,
                ScheduleKind.Gc => V1.ScheduleKind.Gc,
                _ => V1.ScheduleKind.Unspecified,
            },
            Node = s.Node ?? "",
            Every = s.Every is { } every ? FormatDuration(every) : "",
            Cron = s.Cron ?? "",
            MaxRetries = s.MaxRetries,
            RetryBackoff = FormatDuration(s.RetryBackoff),
            Disabled = !s.Enabled,
        };
        spec.Paths.AddRange(s.Paths);
        spec.Excludes.AddRange(s.Excludes);
        spec.Tags.AddRange(s.Tags);
        if (s.Retention is { } r)
        {
            spec.Retention = new V1.ScheduleRetention
            {
                KeepLast = r.KeepLast,
                KeepHourly = r.KeepHourly,
                KeepDaily = r.KeepDaily,
                KeepWeekly = r.KeepWeekly,
                KeepMonthly = r.KeepMonthly,
                KeepYearly = r.KeepYearly,
                KeepWithin = r.KeepWithin is { } within ? FormatDuration(within) : "",
                GroupBy = r.GroupBy == RetentionGrouping.None ? "none" : r.GroupBy.ToString().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal),
            };
            spec.Retention.KeepTags.AddRange(r.KeepTags);
        }

        return new V1.Schedule
        {
            Name = s.Name,
            Spec = spec,
            NextDue = Time(info.NextDue),
            LastRun = Time(info.LastRun),
            LastResult = info.LastResult == ScheduleResult.None ? "" : info.LastResult.ToString().ToLowerInvariant(),
            LastError = info.LastError ?? "",
            LastDetail = info.LastDetail ?? "",
            ConsecutiveFailures = info.ConsecutiveFailures,
            Attempt = info.Attempt,
            RetryAt = Time(info.RetryAt),
            CurrentJob = info.CurrentJob?.ToString() ?? "",
            CurrentNode = info.CurrentNode ?? "",
        };
    }

    /// <summary>"90s", "15m", "6h", "1h30m", "7d", "250ms" (whole numbers, units in decreasing order or not).</summary>
    public static TimeSpan ParseDuration(string name, string field, string text)
    {
        var parts = DurationPart().Matches(text);
        if (parts.Count == 0 || string.Concat(parts.Select(m => m.Value)) != text)
        {
            throw new InvalidRequestException($"schedule '{name}': {field} is '{text}'; must be a duration like 90s, 15m, 6h, 1h30m or 7d");
        }

        var total = TimeSpan.Zero;
        foreach (Match m in parts)
        {
            var value = long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            total += m.Groups["unit"].Value switch
            {
                "d" => TimeSpan.FromDays(value),
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                _ => TimeSpan.FromMilliseconds(value),
            };
        }

        return total;
    }

    /// <summary>The shortest text <see cref="ParseDuration"/> reads back as the same span: "1h30m", "7d", "0s".</summary>
    public static string FormatDuration(TimeSpan span)
    {
        var text = new StringBuilder();
        void Add(long value, string unit)
        {
            if (value > 0)
            {
                text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }

        Add(span.Days, "d");
        Add(span.Hours, "h");
        Add(span.Minutes, "m");
        Add(span.Seconds, "s");
        Add(span.Milliseconds, "ms");
        return text.Length == 0 ? "0s" : text.ToString();
    }

    private static RetentionPolicy FromProto(string name, V1.ScheduleRetention r)
    {
        var groupBy = RetentionGrouping.None;
        var groups = r.GroupBy.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var g in groups)
        {
            groupBy |= g.ToLowerInvariant() switch
            {
                "node" => RetentionGrouping.Node,
                "paths" => RetentionGrouping.Paths,
                "tags" => RetentionGrouping.Tags,
                "none" when groups.Length == 1 => RetentionGrouping.None,
                _ => throw new InvalidRequestException($"schedule '{name}': retention.group_by is '{r.GroupBy}'; must be 'none' or a comma list of node, paths, tags"),
            };
        }

        return new RetentionPolicy
        {
            KeepLast = r.KeepLast,
            KeepHourly = r.KeepHourly,
            KeepDaily = r.KeepDaily,
            KeepWeekly = r.KeepWeekly,
            KeepMonthly = r.KeepMonthly,
            KeepYearly = r.KeepYearly,
            KeepWithin = r.KeepWithin.Length > 0 ? ParseDuration(name, "retention.keep_within", r.KeepWithin) : null,
            KeepTags = [.. r.KeepTags],
            GroupBy = groups.Length == 0 ? new RetentionPolicy().GroupBy : groupBy,
        };
    }

    private static Timestamp? Time(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    [GeneratedRegex(@"(?<n>[0-9]{1,9})(?<unit>ms|d|h|m|s)")]
    private static partial Regex DurationPart();
}
