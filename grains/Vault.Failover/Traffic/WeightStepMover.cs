// Blue-green by weights: checks the new side's health before anything moves, then gives it a growing share
// of the traffic step by step (e.g. 10 → 50 → 100), soaking and re-checking its health after each step.
// A failed check, or a weight that does not take, rolls every target back to the weights it had at the
// start. Works through ITrafficWeights alone, so a load balancer's server weights or weighted DNS records
// carry it alike. Each step is reported as it is taken (for the audit and the caller's progress).
using System.Globalization;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Traffic;

public sealed class WeightStepMover(ITrafficWeights weights, TimeProvider time)
{
    /// <param name="checkTo">The new side's health: null when healthy, else why not.</param>
    public async Task<WeightSwitchResult> RunAsync(WeightSwitchPlan plan, Func<CancellationToken, Task<string?>> checkTo, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var problems = plan.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid switch plan: " + string.Join("; ", problems), nameof(plan));
        }

        var steps = new List<string>();
        void Step(string text)
        {
            steps.Add(text);
            progress.Report(text);
        }

        if (await checkTo(cancellationToken) is { } before)
        {
            Step($"refused: {Side(plan.To)} is not healthy before the switch: {before}");
            return new WeightSwitchResult(false, false, steps[^1], steps);
        }

        var original = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var target in plan.From.Concat(plan.To))
        {
            original[target] = await weights.GetWeightAsync(target, cancellationToken);
        }

        Step($"{Side(plan.To)} healthy; weights before: {Describe(original)}");
        foreach (var share in plan.Steps)
        {
            string? failure;
            try
            {
                foreach (var t in plan.To)
                {
                    await weights.SetWeightAsync(t, share, cancellationToken);
                }

                foreach (var f in plan.From)
                {
                    await weights.SetWeightAsync(f, 100 - share, cancellationToken);
                }

                Step(string.Create(CultureInfo.InvariantCulture, $"{share}% to {Side(plan.To)}, {100 - share}% to {Side(plan.From)}"));
                if (plan.Soak > TimeSpan.Zero)
                {
                    await Task.Delay(plan.Soak, time, cancellationToken);
                }

                failure = await checkTo(cancellationToken);
            }
            catch (FailoverStepException e)
            {
                failure = e.Message;
            }

            if (failure is not null)
            {
                Step(string.Create(CultureInfo.InvariantCulture, $"check failed at {share}%: {failure}; rolling back"));
                await RestoreAsync(original, cancellationToken);
                Step($"rolled back to {Describe(original)}");
                return new WeightSwitchResult(false, true, $"rolled back at {share}%: {failure}", steps);
            }

            Step(string.Create(CultureInfo.InvariantCulture, $"{Side(plan.To)} healthy at {share}%"));
        }

        return new WeightSwitchResult(true, false, $"all traffic on {Side(plan.To)}", steps);
    }

    private async Task RestoreAsync(Dictionary<string, int> original, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        foreach (var (target, weight) in original)
        {
            try
            {
                await weights.SetWeightAsync(target, weight, cancellationToken);
            }
            catch (FailoverStepException e)
            {
                failed.Add($"{target}: {e.Message}");
            }
        }

        if (failed.Count > 0)
        {
            throw new FailoverStepException("rolling back failed for " + string.Join("; ", failed));
        }
    }

    private static string Side(IReadOnlyList<string> targets) => string.Join("+", targets);

    private static string Describe(Dictionary<string, int> w) => string.Join(", ", w.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value}")));
}
