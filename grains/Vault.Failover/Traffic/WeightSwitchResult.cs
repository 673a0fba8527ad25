namespace Vault.Grains.Failover.Traffic;

/// <summary>How a blue-green switch ended: completed, rolled back (with the failed check) or refused before any change; every step taken, in order.</summary>
public sealed record WeightSwitchResult(bool Completed, bool RolledBack, string Outcome, IReadOnlyList<string> Steps);
