namespace Vault.Grains.Failover.Traffic;

/// <summary>
/// A blue-green switch: move traffic from the <paramref name="From"/> targets to the <paramref name="To"/> targets
/// in <paramref name="Steps"/> (the share, 1–100, of the new side at each step, ending at 100), soaking
/// <paramref name="Soak"/> after each step before the new side's health is checked again.
/// </summary>
public sealed record WeightSwitchPlan(IReadOnlyList<string> From, IReadOnlyList<string> To, IReadOnlyList<int> Steps, TimeSpan Soak)
{
    /// <summary>The rules, as messages; empty when the plan can run.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (From.Count == 0 || To.Count == 0)
        {
            problems.Add("both sides need at least one target");
        }

        if (From.Intersect(To, StringComparer.Ordinal).Any())
        {
            problems.Add("a target cannot be on both sides");
        }

        if (Steps.Count == 0 || Steps[^1] != 100 || Steps.Any(s => s is < 1 or > 100) || Steps.Zip(Steps.Skip(1)).Any(p => p.First >= p.Second))
        {
            problems.Add($"steps [{string.Join(", ", Steps)}] must rise strictly within 1–100 and end at 100");
        }

        if (Soak < TimeSpan.Zero)
        {
            problems.Add("the soak time must not be negative");
        }

        return problems;
    }
}
