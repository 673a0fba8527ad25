namespace Vault;

// The errors that cross grain calls: serializable, each with a message that names the object.
// The gateway maps each type to a gRPC status (and REST problem) in one place.

/// <summary>Base of every error Vault reports on purpose.</summary>
[GenerateSerializer, Alias("vault.error")]
public abstract class VaultException : Exception
{
    protected VaultException(string message) : base(message) { }
}

/// <summary>No snapshot matches the reference (id, prefix or "latest").</summary>
[GenerateSerializer, Alias("vault.snapshot-not-found")]
public sealed class SnapshotNotFoundException(string message) : VaultException(message);

/// <summary>A snapshot id prefix matches more than one snapshot.</summary>
[GenerateSerializer, Alias("vault.ambiguous-snapshot")]
public sealed class AmbiguousSnapshotException(string message) : VaultException(message);

/// <summary>The node has no record of the job (unknown id, or the node restarted).</summary>
[GenerateSerializer, Alias("vault.job-not-found")]
public sealed class JobNotFoundException(string message) : VaultException(message);

/// <summary>A request was refused before any work: bad path, bad id, bad argument. The message says which and why.</summary>
[GenerateSerializer, Alias("vault.invalid-request")]
public sealed class InvalidRequestException(string message) : VaultException(message);

/// <summary>A path or object that should exist does not.</summary>
[GenerateSerializer, Alias("vault.not-found")]
public sealed class NotFoundException(string message) : VaultException(message);

/// <summary>Stored data failed verification or is missing (pack hash, GCM tag, chunk id, malformed or hostile tree).</summary>
[GenerateSerializer, Alias("vault.data-corruption")]
public sealed class DataCorruptionException(string message) : VaultException(message);

/// <summary>An index partition restarted before entries a backup relied on were saved; the backup must be run again.</summary>
[GenerateSerializer, Alias("vault.index-restarted")]
public sealed class IndexRestartedException(string message) : VaultException(message);

/// <summary>A failover request cannot be carried out in the current state (primary healthy, no eligible replica, a failover running...). The message says why.</summary>
[GenerateSerializer, Alias("vault.failover-refused")]
public sealed class FailoverRefusedException(string message) : VaultException(message);

/// <summary>The named failover service is not configured.</summary>
[GenerateSerializer, Alias("vault.failover-service-not-found")]
public sealed class FailoverServiceNotFoundException(string message) : VaultException(message);

/// <summary>A stream upload ended before the sender said it was complete; nothing was committed.</summary>
[GenerateSerializer, Alias("vault.stream-truncated")]
public sealed class StreamTruncatedException(string message) : VaultException(message);

/// <summary>A pack could not be stored on its write quorum, or read from any node that should hold it.</summary>
[GenerateSerializer, Alias("vault.replication")]
public sealed class ReplicationException(string message) : VaultException(message);

/// <summary>The password or key file does not open the repository (the serializable form of the storage layer's WrongPasswordException).</summary>
[GenerateSerializer, Alias("vault.password-rejected")]
public sealed class PasswordRejectedException(string message) : VaultException(message);

/// <summary>A node that a call needed has left the cluster (or is not reachable) and no other node could answer instead.</summary>
[GenerateSerializer, Alias("vault.node-unavailable")]
public sealed class NodeUnavailableException(string message) : VaultException(message);

/// <summary>The node stopped while the job ran; the job did not finish and committed nothing.</summary>
[GenerateSerializer, Alias("vault.job-interrupted")]
public sealed class JobInterruptedException(string message) : VaultException(message);
