using Vault.Storage;

namespace Vault;

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

/// <summary>A path or chunk that should exist does not.</summary>
[GenerateSerializer, Alias("vault.not-found")]
public sealed class NotFoundException(string message) : VaultException(message);
