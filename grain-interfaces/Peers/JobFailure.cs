namespace Vault.Peers;

/// <summary>
/// Why a job ended without success: a code from <see cref="ErrorTable"/> and a message fit for a
/// user (an unexpected failure says only where to look: the node's log and the job id).
/// </summary>
[GenerateSerializer, Immutable, Alias("vault.job-failure")]
public sealed record JobFailure(ErrorCode Code, string Message);
