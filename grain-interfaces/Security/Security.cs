namespace Vault.Security;

/// <summary>What an API key may do. Each role includes the ones below it.</summary>
public enum ApiRole
{
    /// <summary>List, status, ls, dump, job get/watch.</summary>
    Reader = 1,

    /// <summary>Backup, restore, cancel, and everything a reader may do.</summary>
    Operator = 2,

    /// <summary>Keys and audit, and everything an operator may do.</summary>
    Admin = 3,
}

/// <summary>An API key as shown to admins. The token's hash never leaves the key store.</summary>
[GenerateSerializer, Immutable, Alias("vault.api-key")]
public sealed record ApiKeyInfo(
    string Name,
    ApiRole Role,
    DateTimeOffset Created,
    string CreatedBy,
    DateTimeOffset? Revoked);

/// <summary>One mutating call, as the audit log keeps it.</summary>
[GenerateSerializer, Immutable, Alias("vault.audit-record")]
public sealed record AuditRecord(
    DateTimeOffset Time,
    string Who,
    string What,
    string Target,
    string Result,
    string Detail);

/// <summary>
/// The repository's API keys (key: "default"). Holds names, roles and SHA-256 hashes of tokens;
/// the tokens themselves are made and shown once by the gateway.
/// </summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Throws <see cref="InvalidRequestException"/> when an active key has the name already.</summary>
    Task<ApiKeyInfo> CreateAsync(string name, ApiRole role, string tokenHash, string createdBy);

    /// <summary>Throws <see cref="NotFoundException"/> when no active key has the name.</summary>
    Task<ApiKeyInfo> RevokeAsync(string name);

    Task<IReadOnlyList<ApiKeyInfo>> ListAsync();

    /// <summary>The active key whose token hashes to <paramref name="tokenHash"/> (lower-case hex SHA-256), or null.</summary>
    Task<ApiKeyInfo?> TryAuthenticateAsync(string tokenHash);
}

/// <summary>A bounded, persisted list of the newest mutating calls (key: "default").</summary>
public interface IAuditLogGrain : IGrainWithStringKey
{
    Task AppendAsync(AuditRecord record);

    /// <summary>The newest <paramref name="limit"/> records, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(int limit);
}
