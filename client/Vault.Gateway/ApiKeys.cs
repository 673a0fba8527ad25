using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans;
using Vault.Security;

namespace Vault.Gateway;

/// <summary>Who is calling: an API key's name and role.</summary>
public sealed record Caller(string Name, ApiRole Role)
{
    /// <summary>The caller when authentication is off.</summary>
    public static Caller Anonymous { get; } = new("anonymous", ApiRole.Admin);
}

/// <summary>
/// Makes tokens and recognises them. A token is "vault_" + 32 random bytes (base64url); the key store
/// keeps only its SHA-256. The bootstrap admin token (VAULT_ADMIN_TOKEN or Vault:Gateway:AdminTokenFile)
/// is never stored: it is compared here, in constant time.
/// </summary>
public sealed class ApiKeys
{
    public const string AdminTokenVariable = "VAULT_ADMIN_TOKEN";
    public const string BootstrapName = "bootstrap-admin";
    public const int MinimumBootstrapLength = 16;
    private const string Prefix = "vault_";

    private readonly IGrainFactory _grains;
    private readonly byte[]? _bootstrapHash;

    // Tokens (by hash) that authenticated recently: only these get a rate-limit bucket of their own; any other
    // bearer token shares its client address's bucket, so a flood of junk tokens cannot mint buckets.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _accepted = new(StringComparer.Ordinal);

    public ApiKeys(IGrainFactory grains, IOptions<GatewayOptions> options)
    {
        _grains = grains;
        var token = Environment.GetEnvironmentVariable(AdminTokenVariable);
        if (options.Value.AdminTokenFile is { Length: > 0 } file)
        {
            token = File.ReadLines(file).FirstOrDefault()?.Trim();
        }

        if (token is { Length: > 0 })
        {
            if (token.Length < MinimumBootstrapLength)
            {
                throw new InvalidOperationException($"the bootstrap admin token ({AdminTokenVariable} or {GatewayOptions.SectionName}:AdminTokenFile) has {token.Length} characters; must have at least {MinimumBootstrapLength}");
            }

            _bootstrapHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        }
    }

    public IApiKeyGrain Store => _grains.GetGrain<IApiKeyGrain>("default");

    /// <summary>A new random token.</summary>
    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lower-case hex SHA-256 of the token's UTF-8 bytes.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The caller a bearer token belongs to, or null when the token is unknown or revoked.</summary>
    public async Task<Caller?> AuthenticateAsync(string token)
    {
        if (token.Length is 0 or > 512)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            Accepted(hash);
            return new Caller(BootstrapName, ApiRole.Admin);
        }

        var key = await Store.TryAuthenticateAsync(Convert.ToHexStringLower(hash));
        if (key is null)
        {
            return null;
        }

        Accepted(hash);
        return new Caller(key.Name, key.Role);
    }

    /// <summary>True when the bearer token of <paramref name="authorization"/> authenticated within the last few minutes.</summary>
    public bool RecentlyAccepted(string authorization)
    {
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || authorization.Length > 600)
        {
            return false;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim())));
        return _accepted.TryGetValue(hash, out var until) && until > DateTime.UtcNow;
    }

    private void Accepted(byte[] hash)
    {
        if (_accepted.Count > 10_000)
        {
            _accepted.Clear();
        }

        _accepted[Convert.ToHexStringLower(hash)] = DateTime.UtcNow.AddMinutes(5);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
