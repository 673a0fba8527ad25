// One off-site target: an object store holding a copy of the repository under a prefix.
//
// Every object carries its SHA-256 (hex) in the object's metadata ("sha256"), written with the object;
// GetAsync recomputes it over the bytes received and throws OffsiteCorruptException naming the key when
// they differ or when the object is shorter than recorded. Keys are relative to the target's prefix and
// use '/' (see OffsiteLayout). Objects written with a retention date carry it in the metadata
// ("retainuntil") and, where the store supports it, as object lock / immutability; DeleteAsync refuses
// an object still under retention (OffsiteRetainedException) without calling the store's delete.
namespace Vault.Offsite.Stores;

public interface IOffsiteStore
{
    /// <summary>The target's name (Vault:Offsite:Targets:NAME).</summary>
    string Name { get; }

    /// <summary>Writes an object (replacing one with the same key); records its SHA-256 and, when given, the retention date.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> bytes, DateTimeOffset? retainUntil, CancellationToken ct);

    /// <summary>Reads an object and checks its SHA-256; null when there is no such object.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken ct);

    /// <summary>The object's size, hash and retention without its bytes; null when there is none.</summary>
    Task<OffsiteObject?> HeadAsync(string key, CancellationToken ct);

    /// <summary>Every key below <paramref name="prefix"/> (relative to the target's prefix).</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken ct);

    /// <summary>Deletes an object; false when it did not exist. Throws OffsiteRetainedException while it is under retention.</summary>
    Task<bool> DeleteAsync(string key, DateTimeOffset now, CancellationToken ct);

    /// <summary>A cheap call that proves the target answers and the credentials are accepted (readiness).</summary>
    Task ProbeAsync(CancellationToken ct);
}
