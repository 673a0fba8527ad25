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

    /// <summary>
    /// Outside the order above: may start backups and follow their jobs (by the job id it was given),
    /// nothing else — never read, delete, forget or prune snapshots.
    /// </summary>
    AppendOnly = 4,
}

/// <summary>An API key as shown to admins. The token's hash never leaves the key store.</summary>
[GenerateSerializer, Immutable, Alias("vault.api-key")]
public sealed record ApiKeyInfo(
    string Name,
    ApiRole Role,
    DateTimeOffset Created,
    string CreatedBy,
    DateTimeOffset? Revoked,
    /// <summary>Set while the token before the last rotation is still accepted.</summary>
    DateTimeOffset? PreviousTokenValidUntil = null,
    /// <summary>When set, the key's tokens are refused from this time on (the key stays listed until revoked).</summary>
    DateTimeOffset? Expires = null);

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
    /// <summary>
    /// Throws <see cref="InvalidRequestException"/> when an active key has the name already, or when
    /// <paramref name="expires"/> is not in the future. A key with <paramref name="expires"/> stops authenticating then.
    /// </summary>
    Task<ApiKeyInfo> CreateAsync(string name, ApiRole role, string tokenHash, string createdBy, DateTimeOffset? expires = null);

    /// <summary>Throws <see cref="NotFoundException"/> when no active key has the name.</summary>
    Task<ApiKeyInfo> RevokeAsync(string name);

    Task<IReadOnlyList<ApiKeyInfo>> ListAsync();

    /// <summary>The active (not revoked, not expired) key whose token hashes to <paramref name="tokenHash"/> (lower-case hex SHA-256), or null.</summary>
    Task<ApiKeyInfo?> TryAuthenticateAsync(string tokenHash);

    /// <summary>
    /// Gives an active key a new token hash; the current token stays valid until <paramref name="previousValidUntil"/>
    /// (a token from an earlier rotation stops at once). Throws <see cref="NotFoundException"/> when no active key has the name.
    /// </summary>
    Task<ApiKeyInfo> RotateAsync(string name, string newTokenHash, DateTimeOffset previousValidUntil);
}

/// <summary>
/// The repository's master key as wrapped under the password (stateless; key "default"): the data
/// directory's key file on an embedded node, the cluster database's copy in cluster mode.
/// </summary>
public interface IRepositoryKeyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Re-wraps the master key under <paramref name="newPassword"/>; the old password stops opening it.
    /// No pack is rewritten. Throws <see cref="InvalidRequestException"/> when the old password is wrong.
    /// Returns where the wrapped key lives.
    /// </summary>
    Task<string> ChangePasswordAsync(string oldPassword, string newPassword);
}

/// <summary>A bounded, persisted list of the newest mutating calls (key: "default").</summary>
public interface IAuditLogGrain : IGrainWithStringKey
{
    Task AppendAsync(AuditRecord record);

    /// <summary>The newest <paramref name="limit"/> records, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(int limit);
}
