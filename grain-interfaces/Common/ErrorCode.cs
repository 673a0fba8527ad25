namespace Vault;

/// <summary>
/// What kind of failure an error is: the one classification from which the gateway derives the
/// gRPC status, the REST problem type and (through the status) the CLI exit code. Carried by
/// failed jobs (<see cref="Vault.Peers.JobFailure"/>). Numbers are never reused.
/// </summary>
public enum ErrorCode
{
    /// <summary>A failure Vault did not expect; the details are in the node's log, never sent to a client.</summary>
    Internal = 0,

    /// <summary>The request was refused before any work: bad path, bad name, bad argument.</summary>
    InvalidRequest = 1,

    /// <summary>No such snapshot, job, path or service.</summary>
    NotFound = 2,

    /// <summary>Stored data failed verification or is missing (pack hash, GCM tag, chunk id, hostile tree).</summary>
    Corruption = 3,

    /// <summary>The password or key file does not open the repository.</summary>
    WrongPassword = 4,

    /// <summary>The request cannot be carried out in the current state (failover refused, stream cut short).</summary>
    Refused = 5,

    /// <summary>Work overtaken by another (index restarted, lease expired, GC run superseded): run it again.</summary>
    Conflict = 6,

    /// <summary>A node or the write quorum was unavailable.</summary>
    Unavailable = 7,

    /// <summary>Cancelled on request.</summary>
    Cancelled = 8,

    /// <summary>The node stopped while the job ran; nothing it did is committed.</summary>
    Interrupted = 9,
}
