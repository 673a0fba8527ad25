using Orleans.Concurrency;
using Vault.Security;

namespace Vault.Grains.Security;

[GenerateSerializer, Alias("vault.api-key-state")]
public sealed class ApiKeyState
{
    [Id(0)] public List<StoredApiKey> Keys { get; set; } = [];
}

/// <summary>A key as persisted: its public description and the SHA-256 of its token.</summary>
[GenerateSerializer, Immutable, Alias("vault.stored-api-key")]
public sealed record StoredApiKey(ApiKeyInfo Info, string TokenHash, string? PreviousTokenHash = null);

/// <summary>The API keys of the repository. Metadata only: names, roles, token hashes.</summary>
public sealed class ApiKeyGrain(
    [PersistentState("api-keys", VaultStorage.State)] IPersistentState<ApiKeyState> state) : Grain, IApiKeyGrain
{
    private const int MaxKeys = 1000;

    public async Task<ApiKeyInfo> CreateAsync(string name, ApiRole role, string tokenHash, string createdBy, DateTimeOffset? expires = null)
    {
        var keys = state.State.Keys;
        if (expires is { } end && end <= DateTimeOffset.UtcNow)
        {
            throw new InvalidRequestException($"the expiry {end:u} of key '{name}' is not in the future");
        }

        if (keys.Any(k => k.Info.Name == name && k.Info.Revoked is null))
        {
            throw new InvalidRequestException($"an API key named '{name}' exists already; revoke it first or choose another name");
        }

        if (keys.Any(k => k.TokenHash == tokenHash))
        {
            throw new InvalidRequestException("the token is in use by another key");
        }

        if (keys.Count(k => k.Info.Revoked is null) >= MaxKeys)
        {
            throw new InvalidRequestException($"there are {MaxKeys} active API keys already; revoke some first");
        }

        // A revoked key's name may be reused: the old record is dropped.
        keys.RemoveAll(k => k.Info.Name == name);
        var info = new ApiKeyInfo(name, role, DateTimeOffset.UtcNow, createdBy, null, Expires: expires);
        keys.Add(new StoredApiKey(info, tokenHash));
        await state.WriteStateAsync();
        return info;
    }

    public async Task<ApiKeyInfo> RevokeAsync(string name)
    {
        var keys = state.State.Keys;
        var at = keys.FindIndex(k => k.Info.Name == name && k.Info.Revoked is null);
        if (at < 0)
        {
            throw new NotFoundException($"no active API key is named '{name}'");
        }

        var revoked = keys[at].Info with { Revoked = DateTimeOffset.UtcNow };
        keys[at] = keys[at] with { Info = revoked };
        await state.WriteStateAsync();
        return revoked;
    }

    [ReadOnly]
    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<ApiKeyInfo>>([.. state.State.Keys.Select(k => k.Info).OrderBy(k => k.Name, StringComparer.Ordinal)]);

    [ReadOnly]
    public Task<ApiKeyInfo?> TryAuthenticateAsync(string tokenHash)
    {
        var now = DateTimeOffset.UtcNow;
        return Task.FromResult(state.State.Keys.FirstOrDefault(k => k.Info.Revoked is null && !(k.Info.Expires <= now) &&
            (k.TokenHash == tokenHash || (k.PreviousTokenHash == tokenHash && k.Info.PreviousTokenValidUntil > now)))?.Info);
    }

    public async Task<ApiKeyInfo> RotateAsync(string name, string newTokenHash, DateTimeOffset previousValidUntil)
    {
        var keys = state.State.Keys;
        var at = keys.FindIndex(k => k.Info.Name == name && k.Info.Revoked is null);
        if (at < 0)
        {
            throw new NotFoundException($"no active API key is named '{name}'");
        }

        if (keys.Any(k => k.TokenHash == newTokenHash || k.PreviousTokenHash == newTokenHash))
        {
            throw new InvalidRequestException("the token is in use by another key");
        }

        // Only the token in use until now overlaps with the new one; one from an earlier rotation stops here.
        var overlap = previousValidUntil > DateTimeOffset.UtcNow;
        var info = keys[at].Info with { PreviousTokenValidUntil = overlap ? previousValidUntil : null };
        keys[at] = new StoredApiKey(info, newTokenHash, overlap ? keys[at].TokenHash : null);
        await state.WriteStateAsync();
        return info;
    }
}
