using Microsoft.Extensions.Logging;
using Vault.Peers;
using Vault.Storage;

namespace Vault.Grains.Telemetry;

/// <summary>
/// The log events of the jobs, source-generated. Event ids are stable (dashboards and alerts may
/// match on them): 1000s backup, 1100s restore, 1200s job runner, 1900s telemetry.
/// Never pass a password, a key or file contents here; paths and ids are fine.
/// </summary>
public static partial class JobLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "backup {Snapshot} of {Paths} committed: {Files} files, {NewBytes} new bytes, {StoredBytes} stored, {Seconds:F1} s")]
    public static partial void BackupCommitted(this ILogger logger, SnapshotId snapshot, string paths, long files, long newBytes, long storedBytes, double seconds);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "parent tree {Tree} unusable, reading files again: {Reason}")]
    public static partial void ParentTreeUnusable(this ILogger logger, ChunkId tree, string reason);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "restore of {Snapshot} into {Target} done: {Files} files, {Bytes} bytes")]
    public static partial void RestoreDone(this ILogger logger, SnapshotId snapshot, string target, long files, long bytes);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "{Kind} job {Job} failed: {Reason}")]
    public static partial void JobFailed(this ILogger logger, JobKind kind, JobId job, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "{Kind} job {Job} failed unexpectedly")]
    public static partial void JobCrashed(this ILogger logger, Exception exception, JobKind kind, JobId job);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Debug, Message = "telemetry sample failed ({Error}): {Reason}")]
    public static partial void SampleFailed(this ILogger logger, string error, string reason);
}
