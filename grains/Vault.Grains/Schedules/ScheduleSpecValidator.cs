using System.Globalization;
using System.Text.RegularExpressions;
using Vault.Retention;
using Vault.Schedules;

namespace Vault.Grains.Schedules;

/// <summary>Every rule of a schedule's definition, with messages that name the key, its value and the rule.</summary>
public static partial class ScheduleSpecValidator
{
    public const string Section = "Vault:Schedules";

    public const int MaxRetriesLimit = 20;

    public static readonly TimeSpan MinimumBackoff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The broken rules, each as "{prefix}{key} is '{value}'; {rule}". <paramref name="prefix"/> is
    /// "Vault:Schedules:&lt;name&gt;:" for configuration and "schedule '&lt;name&gt;': " for the API.
    /// </summary>
    public static IReadOnlyList<string> Validate(ScheduleSpec spec, string prefix)
    {
        var errors = new List<string>();
        void Check(bool ok, string key, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{key} is '{Show(value)}'; {rule}"));
            }
        }

        Check(NamePattern().IsMatch(spec.Name), "(name)", spec.Name, "a schedule name must be 1–64 letters, digits, '.', '_' or '-'");
        Check(Enum.IsDefined(spec.Kind), "Kind", spec.Kind, "must be Backup, Forget or Gc");
        CheckTiming(spec, prefix, errors, Check);
        Check(spec.MaxRetries is >= 0 and <= MaxRetriesLimit, "MaxRetries", spec.MaxRetries, $"must be between 0 and {MaxRetriesLimit}");
        Check(spec.RetryBackoff >= MinimumBackoff && spec.RetryBackoff <= ScheduleTimes.MaximumRetryDelay, "RetryBackoff", spec.RetryBackoff,
            "must be between 1 second and 1 hour (it doubles after each failed attempt, up to 1 hour)");
        for (var i = 0; i < spec.Tags.Count; i++)
        {
            Check(!string.IsNullOrWhiteSpace(spec.Tags[i]), $"Tags:{i}", spec.Tags[i], "a tag must not be empty");
        }

        for (var i = 0; i < spec.Paths.Count; i++)
        {
            Check(!string.IsNullOrWhiteSpace(spec.Paths[i]) && Path.IsPathFullyQualified(spec.Paths[i]), $"Paths:{i}", spec.Paths[i], "must be an absolute path");
        }

        switch (spec.Kind)
        {
            case ScheduleKind.Backup:
                Check(!string.IsNullOrWhiteSpace(spec.Node), "Node", spec.Node, "a backup schedule needs the node whose disk holds the paths");
                Check(spec.Paths.Count > 0, "Paths", spec.Paths, "a backup schedule needs at least one path");
                for (var i = 0; i < spec.Excludes.Count; i++)
                {
                    Check(!string.IsNullOrWhiteSpace(spec.Excludes[i]), $"Excludes:{i}", spec.Excludes[i], "an exclude pattern must not be empty");
                }

                Check(spec.Retention is null, "Retention", "set", "only a Forget schedule takes a retention policy");
                break;
            case ScheduleKind.Forget:
                Check(spec.Paths.Count <= 1, "Paths", spec.Paths, "a forget schedule takes at most one path (a filter)");
                Check(spec.Tags.Count <= 1, "Tags", spec.Tags, "a forget schedule takes at most one tag (a filter)");
                Check(spec.Excludes.Count == 0, "Excludes", spec.Excludes, "only a Backup schedule takes exclude patterns");
                if (spec.Retention is { } policy)
                {
                    CheckPolicy(policy, Check);
                }
                else
                {
                    Check(false, "Retention", "", "a forget schedule needs a retention policy (KeepLast, KeepDaily, KeepWithin...)");
                }

                break;
            case ScheduleKind.Gc:
                Check(spec.Paths.Count == 0, "Paths", spec.Paths, "a GC schedule takes no paths");
                Check(spec.Tags.Count == 0, "Tags", spec.Tags, "a GC schedule takes no tags");
                Check(spec.Excludes.Count == 0, "Excludes", spec.Excludes, "only a Backup schedule takes exclude patterns");
                Check(spec.Retention is null, "Retention", "set", "only a Forget schedule takes a retention policy");
                break;
        }

        return errors;
    }

    private static void CheckTiming(ScheduleSpec spec, string prefix, List<string> errors, Action<bool, string, object?, string> check)
    {
        if (spec.Every is null == string.IsNullOrEmpty(spec.Cron))
        {
            errors.Add(spec.Every is null
                ? $"{prefix}Every and Cron are both empty; give an interval (Every) or a cron expression (Cron)"
                : $"{prefix}Every and Cron are both set; give one of them");
            return;
        }

        if (spec.Every is { } every)
        {
            check(every >= ScheduleTimes.MinimumInterval && every <= ScheduleTimes.MaximumInterval, "Every", every, "must be between 1 minute and 366 days");
        }
        else if (!CronExpression.TryParse(spec.Cron, out _, out var error))
        {
            check(false, "Cron", spec.Cron, error);
        }
    }

    private static void CheckPolicy(RetentionPolicy policy, Action<bool, string, object?, string> check)
    {
        var counts = new (string Key, int Value)[]
        {
            ("KeepLast", policy.KeepLast), ("KeepHourly", policy.KeepHourly), ("KeepDaily", policy.KeepDaily),
            ("KeepWeekly", policy.KeepWeekly), ("KeepMonthly", policy.KeepMonthly), ("KeepYearly", policy.KeepYearly),
        };
        foreach (var (key, value) in counts)
        {
            check(value >= -1, "Retention:" + key, value, "must be a count, 0 (rule off) or -1 (keep all it matches)");
        }

        check(policy.KeepWithin is not { } within || within > TimeSpan.Zero, "Retention:KeepWithin", policy.KeepWithin, "must be positive");
        for (var i = 0; i < policy.KeepTags.Count; i++)
        {
            check(!string.IsNullOrWhiteSpace(policy.KeepTags[i]), $"Retention:KeepTags:{i}", policy.KeepTags[i], "a tag must not be empty");
        }

        check(counts.Any(c => c.Value != 0) || policy.KeepWithin is not null || policy.KeepTags.Count > 0, "Retention", "no rule", "the policy must keep something (a policy without rules would remove every snapshot)");
    }

    private static string Show(object? value) => value switch
    {
        null => "",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join(", ", list),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
