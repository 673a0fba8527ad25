namespace Vault.Grains.Failover.Traffic;

/// <summary>One way into HAProxy's administration: the runtime API socket or the HTTP stats/admin page.</summary>
public interface IHaproxyAdmin
{
    /// <summary>Sets a server to ready, drain or maint; throws FailoverStepException with HAProxy's answer when refused.</summary>
    Task SetStateAsync(string backend, string server, string state, CancellationToken cancellationToken);

    /// <summary>Sets a server's weight (0–256); throws when this way in cannot.</summary>
    Task SetWeightAsync(string backend, string server, int weight, CancellationToken cancellationToken);

    /// <summary>The `show stat` CSV (header line starting with "# ").</summary>
    Task<string> ShowStatAsync(CancellationToken cancellationToken);
}
