namespace Vault.Grains.Failover.Dns;

/// <summary>
/// Where a service's DNS name lives. Every implementation sets a whole record set (all values of one
/// name and type), says when its change is live on the provider's side, and names the zone's
/// authoritative nameservers as the provider knows them; the failover step then verifies the answer
/// on every nameserver itself (<see cref="NameserverVerifier"/>). Errors are
/// FailoverStepException carrying the provider's own message.
/// </summary>
public interface IDnsProvider
{
    /// <summary>The configured kind (Rfc2136, Route53, Cloudflare).</summary>
    string Kind { get; }

    /// <summary>Replaces the record set (creates it when absent); returns the provider's change id.</summary>
    Task<DnsChangeId> SetAsync(DnsRecordSet records, CancellationToken cancellationToken);

    /// <summary>The record set as the provider holds it, or null when there is none.</summary>
    Task<DnsRecordSet?> GetAsync(string name, string type, CancellationToken cancellationToken);

    /// <summary>Removes the record set; a missing one is not an error.</summary>
    Task<DnsChangeId> DeleteAsync(string name, string type, CancellationToken cancellationToken);

    /// <summary>Waits until the provider reports the change applied on its nameservers.</summary>
    Task WaitLiveAsync(DnsChangeId change, CancellationToken cancellationToken);

    /// <summary>The zone's authoritative nameservers as the provider lists them (host names).</summary>
    Task<IReadOnlyList<string>> ListNameserversAsync(CancellationToken cancellationToken);
}
