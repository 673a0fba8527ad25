using Vault.Peers;

namespace Vault.Grains.Jobs;

/// <summary>The typed failure of a job from the exception that ended it (classified by <see cref="ErrorTable"/>).</summary>
public static class JobFailures
{
    /// <summary>
    /// Vault's own errors keep their message; an unexpected exception (its type and message may hold
    /// internals) is reported only by where to look: the node's log and the job id. A cancellation the
    /// job was not asked for is unexpected too.
    /// </summary>
    public static JobFailure From(Exception e, JobRecord record)
    {
        var (code, isPublic) = ErrorTable.Classify(e);
        if (code == ErrorCode.Cancelled && !record.Cancellation.IsCancellationRequested)
        {
            isPublic = false;
        }

        return isPublic
            ? new JobFailure(code, e.Message)
            : code == ErrorCode.Internal
                ? new JobFailure(ErrorCode.Internal, InternalMessage(record))
                : new JobFailure(code, $"{ErrorTable.GenericMessage(code)} (see the log of node '{record.Node}', job {record.Id})");
    }

    public static string InternalMessage(JobRecord record) => $"internal error (see the log of node '{record.Node}', job {record.Id})";
}
