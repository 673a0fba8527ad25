using System.Globalization;
using Vault.Notifications;
using Vault.Security;

namespace Vault.Grains.Notifications;

/// <summary>
/// What an API key's expiry says: apikey.expiring as Warning within ExpiryWarning of its end, Critical within
/// ExpiryCritical or once expired; a clear for a key without expiry trouble or a revoked one. Subject "apikey:&lt;name&gt;".
/// </summary>
public static class ApiKeyExpiry
{
    public static string Subject(string name) => "apikey:" + name;

    /// <summary>The event for one key, or null for a key that never expires.</summary>
    public static VaultEvent? Assess(ApiKeyInfo key, DateTimeOffset now, TimeSpan warning, TimeSpan critical)
    {
        if (key.Expires is not { } expires)
        {
            return null;
        }

        var subject = Subject(key.Name);
        if (key.Revoked is not null)
        {
            return VaultEvent.Clear(EventKinds.ApiKeyExpiring, subject, $"API key {key.Name} was revoked", now);
        }

        var left = expires - now;
        if (left > warning)
        {
            return VaultEvent.Clear(EventKinds.ApiKeyExpiring, subject, $"API key {key.Name} is valid until {expires:u}", now);
        }

        var days = Math.Floor(Math.Max(0, left.TotalDays)).ToString(CultureInfo.InvariantCulture);
        return VaultEvent.Raise(EventKinds.ApiKeyExpiring, left <= critical ? EventSeverity.Critical : EventSeverity.Warning, subject,
            left <= TimeSpan.Zero
                ? $"API key {key.Name} ({key.Role.ToString().ToLowerInvariant()}) expired at {expires:u}: its token is refused; create a new key and revoke this one"
                : $"API key {key.Name} ({key.Role.ToString().ToLowerInvariant()}) expires at {expires:u}, in {days} day(s)",
            new Dictionary<string, string>
            {
                ["key"] = key.Name,
                ["role"] = key.Role.ToString().ToLowerInvariant(),
                ["created by"] = key.CreatedBy,
                ["expires"] = expires.ToString("u", CultureInfo.InvariantCulture),
                ["days left"] = days,
            }, now);
    }
}
