using Grpc.Core;
using Vault.Retention;

namespace Vault.Gateway;

// Retention: forget is one call to the catalog, which plans and applies it atomically.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.ForgetResponse> Forget(V1.ForgetRequest request, ServerCallContext context)
    {
        AccessInterceptor.SetAuditTarget(context, RetentionProtoMapper.Describe(request));
        var forget = RetentionProtoMapper.FromProto(request);
        // Refused here already, before any grain call; the catalog checks again for its other callers.
        forget.Validate();
        var result = await Catalog.ForgetAsync(forget);
        return RetentionProtoMapper.ToProto(result, forget.Policy?.GroupBy ?? RetentionPolicy.DefaultGrouping);
    }
}

/// <summary>Forget requests and plans to and from their wire form.</summary>
public static class RetentionProtoMapper
{
    /// <summary>The request as the catalog takes it; the policy is null when no rule is set (then only named snapshots are forgotten).</summary>
    public static ForgetRequest FromProto(V1.ForgetRequest request)
    {
        RequestLimits.CheckTags(request.KeepTags, "keep-tag");
        var policy = new RetentionPolicy
        {
            KeepLast = request.KeepLast,
            KeepHourly = request.KeepHourly,
            KeepDaily = request.KeepDaily,
            KeepWeekly = request.KeepWeekly,
            KeepMonthly = request.KeepMonthly,
            KeepYearly = request.KeepYearly,
            KeepWithin = request.KeepWithin.Length == 0 ? null : RetentionSyntax.ParseDuration(request.KeepWithin),
            KeepTags = [.. request.KeepTags],
            GroupBy = request.GroupBy.Length == 0 ? RetentionPolicy.DefaultGrouping : RetentionSyntax.ParseGrouping(request.GroupBy),
        };
        return new ForgetRequest
        {
            // Without rules but with snapshots, the request only names snapshots; without either, the empty policy is refused by name.
            Policy = policy.IsEmpty && request.Snapshots.Count > 0 ? null : policy,
            Snapshots = [.. request.Snapshots],
            Node = NullIfEmpty(request.Node),
            Tag = NullIfEmpty(request.Tag),
            Path = NullIfEmpty(request.Path),
            DryRun = request.DryRun,
        };
    }

    public static V1.ForgetResponse ToProto(ForgetResult result, RetentionGrouping grouping)
    {
        var response = new V1.ForgetResponse { Kept = result.Kept, Removed = result.Removed, DryRun = result.DryRun, GroupBy = GroupingText(grouping) };
        foreach (var group in result.Groups)
        {
            var message = new V1.ForgetGroup { Node = group.Node ?? "" };
            message.Paths.AddRange(group.Paths ?? []);
            message.Tags.AddRange(group.Tags ?? []);
            foreach (var decision in group.Decisions)
            {
                var d = new V1.ForgetDecision { Snapshot = ProtoMapper.ToProto(decision.Snapshot), Keep = decision.Keep };
                d.Reasons.AddRange(decision.Reasons);
                message.Decisions.Add(d);
            }

            response.Groups.Add(message);
        }

        return response;
    }

    /// <summary>"node,paths", "tags", "none"...: the form <see cref="RetentionSyntax.ParseGrouping"/> reads.</summary>
    public static string GroupingText(RetentionGrouping grouping) =>
        grouping == RetentionGrouping.None
            ? "none"
            : string.Join(",", new[] { (RetentionGrouping.Node, "node"), (RetentionGrouping.Paths, "paths"), (RetentionGrouping.Tags, "tags") }
                .Where(p => grouping.HasFlag(p.Item1)).Select(p => p.Item2));

    /// <summary>The audit target: the rules set, the named snapshots, the filters.</summary>
    public static string Describe(V1.ForgetRequest r)
    {
        var parts = new List<string>();
        foreach (var (name, count) in new[] { ("last", r.KeepLast), ("hourly", r.KeepHourly), ("daily", r.KeepDaily), ("weekly", r.KeepWeekly), ("monthly", r.KeepMonthly), ("yearly", r.KeepYearly) })
        {
            if (count != 0)
            {
                parts.Add($"keep-{name} {count}");
            }
        }

        if (r.KeepWithin.Length > 0)
        {
            parts.Add("keep-within " + r.KeepWithin);
        }

        parts.AddRange(r.KeepTags.Select(t => "keep-tag " + t));
        parts.AddRange(r.Snapshots);
        if (r.Node.Length > 0)
        {
            parts.Add("node " + r.Node);
        }

        if (r.Tag.Length > 0)
        {
            parts.Add("tag " + r.Tag);
        }

        if (r.Path.Length > 0)
        {
            parts.Add("path " + r.Path);
        }

        if (r.DryRun)
        {
            parts.Add("(dry run)");
        }

        return AccessInterceptor.Shorten(string.Join(" ", parts), 200);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
