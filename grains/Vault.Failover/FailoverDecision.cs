// The decisions of the controller as pure functions: is the primary dead, may the controller act,
// which replica to promote and why the others were not chosen. The grain only gathers the facts.
using System.Globalization;
using Vault.Failover;

namespace Vault.Grains.Failover;

/// <summary>What the controller knows about one replica when it must choose.</summary>
/// <param name="Position">The replica's applied position now; null when unknown.</param>
/// <param name="LagSeconds">The lag the engine reported at the last check while the primary was healthy; null when not known.</param>
public sealed record ReplicaFacts(string Node, int Priority, bool Reachable, NodeRole Role, long? Position, double? LagSeconds);

public sealed record CandidateChoice(string? Node, long? DataLossBytes, IReadOnlyList<string> Reasons)
{
    public string Explain() => Reasons.Count == 0 ? "no replicas configured" : string.Join("; ", Reasons);
}

public enum PrimaryHealth
{
    Healthy,
    Suspect,
    Down,
}

public static class FailoverDecision
{
    public static PrimaryHealth Assess(int consecutiveFailures, int threshold) =>
        consecutiveFailures == 0 ? PrimaryHealth.Healthy : consecutiveFailures < threshold ? PrimaryHealth.Suspect : PrimaryHealth.Down;

    /// <summary>A strict majority of the observers that exist (not of those that answered) must see the primary down.</summary>
    public static bool IsConfirmed(int downVotes, int observers) => observers > 0 && downVotes * 2 > observers;

    /// <summary>Why an automatic failover must not run now, or null when it may.</summary>
    public static string? AutomaticBlocker(FailoverMode mode, bool paused, DateTimeOffset? lastFailover, TimeSpan blockPeriod, DateTimeOffset now)
    {
        if (paused || mode == FailoverMode.Paused)
        {
            return "automatic failover is paused";
        }

        if (mode == FailoverMode.ManualOnly)
        {
            return "mode is manual-only: an operator must run the failover";
        }

        if (lastFailover is { } last && now - last < blockPeriod)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the previous failover was at {last:O}; automatic failover is blocked until {last + blockPeriod:O} (block period {blockPeriod})");
        }

        return null;
    }

    /// <summary>
    /// The replica to promote: reachable, a replica, within both lag limits (unless forced), priority above 0;
    /// least data loss first, then highest priority, then name. Every replica not chosen gets a reason.
    /// </summary>
    /// <param name="primaryPosition">The primary's last known position (now for a switchover).</param>
    /// <param name="requested">An operator's choice; only it is considered.</param>
    public static CandidateChoice ChooseCandidate(
        IReadOnlyList<ReplicaFacts> replicas, long? primaryPosition, long maxLagBytes, TimeSpan maxLagTime, string? requested, bool force)
    {
        var reasons = new List<string>();
        var eligible = new List<(ReplicaFacts Facts, long Loss)>();
        if (requested is not null && replicas.All(r => r.Node != requested))
        {
            return new CandidateChoice(null, null, [$"'{requested}' is not a replica of this service"]);
        }

        foreach (var r in replicas)
        {
            if (requested is not null && r.Node != requested)
            {
                continue;
            }

            var loss = primaryPosition is { } p && r.Position is { } q ? Math.Max(0, p - q) : (long?)null;
            var why = Disqualify(r, loss, maxLagBytes, maxLagTime, force);
            if (why is null)
            {
                eligible.Add((r, loss ?? 0));
            }
            else
            {
                reasons.Add($"{r.Node}: {why}");
            }
        }

        var best = eligible
            .OrderBy(e => e.Loss)
            .ThenByDescending(e => e.Facts.Priority)
            .ThenBy(e => e.Facts.Node, StringComparer.Ordinal)
            .Select(e => ((ReplicaFacts, long)?)e)
            .FirstOrDefault();
        return best is { } b
            ? new CandidateChoice(b.Item1.Node, b.Item2, reasons)
            : new CandidateChoice(null, null, reasons);
    }

    private static string? Disqualify(ReplicaFacts r, long? loss, long maxLagBytes, TimeSpan maxLagTime, bool force)
    {
        if (!r.Reachable)
        {
            return "unreachable";
        }

        if (r.Role != NodeRole.Replica)
        {
            return r.Role == NodeRole.Primary ? "already answers as a primary" : "its role is unknown";
        }

        if (r.Priority <= 0)
        {
            return "priority 0 (never promoted)";
        }

        if (force)
        {
            return null;
        }

        if (loss is not { } bytes)
        {
            return "its replication position is not known, so its data loss cannot be bounded";
        }

        if (bytes > maxLagBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes behind the primary's last known position, over the limit of {maxLagBytes}");
        }

        if (r.LagSeconds is not { } seconds)
        {
            return "its lag in seconds was never reported while the primary was healthy (NULL is not 0)";
        }

        if (seconds > maxLagTime.TotalSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s behind, over the limit of {maxLagTime.TotalSeconds:0.#} s");
        }

        return null;
    }
}
