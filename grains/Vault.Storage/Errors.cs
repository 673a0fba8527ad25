// The errors the storage layer reports on purpose. Every message names the object concerned
// (pack, chunk, tree entry, configuration key, file path) so an operator can act on it.
namespace Vault.Storage;

/// <summary>
/// Base of every error the storage layer reports on purpose. Messages name the object (pack,
/// chunk, path, key). Grains translate these into the serializable errors of the grain interfaces.
/// </summary>
public abstract class StorageException : Exception
{
    protected StorageException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Stored bytes failed verification (pack hash, GCM tag, chunk id, structure).</summary>
public sealed class CorruptDataException : StorageException
{
    public CorruptDataException(string message, PackId? pack = null, ChunkId? chunk = null, Exception? inner = null)
        : base(message, inner) { Pack = pack; Chunk = chunk; }
    public PackId? Pack { get; }
    public ChunkId? Chunk { get; }
}

/// <summary>The password (or key file) does not open the repository.</summary>
public sealed class WrongPasswordException(string message) : StorageException(message);

/// <summary>A snapshot tree that must not be restored (hostile or malformed names, duplicates).</summary>
public sealed class InvalidTreeException(string message) : StorageException(message);

/// <summary>Invalid repository configuration or arguments, naming the key, value and rule.</summary>
public sealed class InvalidConfigurationException(string message) : StorageException(message);
