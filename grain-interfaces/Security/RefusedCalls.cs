namespace Vault.Security;

/// <summary>
/// Calls refused before a caller was known (no token, a malformed header, an unknown or revoked token), counted
/// per client address, method and reason. Kept apart from the audit log so that anyone able to reach the port
/// cannot push real records out of it.
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.refused-calls")]
public sealed record RefusedCalls(
    string Client,
    string What,
    string Reason,
    long Count,
    DateTimeOffset First,
    DateTimeOffset Last);

/// <summary>The refused unauthenticated calls, aggregated and bounded (key: "default").</summary>
public interface IRefusedCallsGrain : IGrainWithStringKey
{
    /// <summary>Adds counts gathered by a gateway; rows with the same client, method and reason are merged.</summary>
    Task AddAsync(IReadOnlyList<RefusedCalls> batch);

    /// <summary>The most recently seen rows, newest first.</summary>
    Task<IReadOnlyList<RefusedCalls>> ListAsync(int limit);
}
