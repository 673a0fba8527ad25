namespace Vault.Offsite.Stores;

/// <summary>A delete refused because the object is under retention (object lock / immutability) until a date.</summary>
public sealed class OffsiteRetainedException(string target, string key, DateTimeOffset retainUntil)
    : OffsiteException($"target '{target}': object {key} is retained until {retainUntil:O}; it cannot be deleted before then")
{
    public DateTimeOffset RetainUntil { get; } = retainUntil;
}
