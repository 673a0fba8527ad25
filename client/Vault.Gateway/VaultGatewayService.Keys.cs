using Grpc.Core;
using Vault.Security;

namespace Vault.Gateway;

/// <summary>Key rotation: API-key tokens with an overlap, and the repository password.</summary>
public sealed partial class VaultGatewayService
{
    /// <summary>The longest an old token may stay valid after a rotation.</summary>
    public const long MaxRotationOverlapSeconds = 30L * 24 * 3600;

    private const int MaxPasswordLength = 1024;

    public override async Task<V1.CreateApiKeyResponse> RotateApiKey(V1.RotateApiKeyRequest request, ServerCallContext context)
    {
        RequireKeyName(request.Name);
        if (request.OverlapSeconds is < 0 or > MaxRotationOverlapSeconds)
        {
            throw Invalid($"overlap_seconds is {request.OverlapSeconds}; must be between 0 and {MaxRotationOverlapSeconds} (30 days)");
        }

        var token = ApiKeys.NewToken();
        var key = await keys.Store.RotateAsync(request.Name, ApiKeys.Hash(token), DateTimeOffset.UtcNow.AddSeconds(request.OverlapSeconds));
        return new V1.CreateApiKeyResponse { Key = SecurityMapper.ToProto(key), Token = token };
    }

    public override async Task<V1.ChangePasswordResponse> ChangePassword(V1.ChangePasswordRequest request, ServerCallContext context)
    {
        if (request.OldPassword.Length == 0 || request.NewPassword.Length == 0)
        {
            throw Invalid("old_password and new_password are both required");
        }

        if (request.OldPassword.Length > MaxPasswordLength || request.NewPassword.Length > MaxPasswordLength)
        {
            throw Invalid($"a password has at most {MaxPasswordLength} characters");
        }

        var store = await _grains.GetGrain<IRepositoryKeyGrain>("default").ChangePasswordAsync(request.OldPassword, request.NewPassword);
        return new V1.ChangePasswordResponse { KeyStore = store };
    }
}
