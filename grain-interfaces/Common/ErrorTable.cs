using Vault.Retention;
using Vault.Storage;

namespace Vault;

/// <summary>
/// The one table from exception to <see cref="ErrorCode"/>. The gateway (gRPC status, REST problem),
/// the grain-call filter (storage errors made serializable) and the job host (a failed job's
/// <see cref="Vault.Peers.JobFailure"/>) all read it, so one failure is classified the same way on
/// every path.
/// </summary>
public static class ErrorTable
{
    /// <summary>
    /// The code of an exception (an <see cref="AggregateException"/> of one is unwrapped), and whether
    /// its message may be shown to a client (true for Vault's own errors and id parsing errors only).
    /// </summary>
    public static (ErrorCode Code, bool MessageIsPublic) Classify(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception switch
        {
            SnapshotNotFoundException or JobNotFoundException or NotFoundException or FailoverServiceNotFoundException => (ErrorCode.NotFound, true),
            AmbiguousSnapshotException or InvalidRequestException or InvalidConfigurationException or FormatException => (ErrorCode.InvalidRequest, true),
            // ENAMETOOLONG from a node: the request named a path the file system cannot hold.
            PathTooLongException => (ErrorCode.InvalidRequest, true),
            CorruptDataException or DataCorruptionException or InvalidTreeException => (ErrorCode.Corruption, true),
            WrongPasswordException or PasswordRejectedException => (ErrorCode.WrongPassword, true),
            FailoverRefusedException or StreamTruncatedException => (ErrorCode.Refused, true),
            IndexRestartedException or LeaseExpiredException or GcRunSupersededException => (ErrorCode.Conflict, true),
            ReplicationException or NodeUnavailableException => (ErrorCode.Unavailable, true),
            JobInterruptedException => (ErrorCode.Interrupted, true),
            RemoteHostNotFoundException => (ErrorCode.NotFound, true),
            RemoteHostKeyException or RemoteAccessException or RemoteServiceException or RemoteFileException => (ErrorCode.Refused, true),
            RemoteUnavailableException => (ErrorCode.Unavailable, true),
            OperationCanceledException => (ErrorCode.Cancelled, true),
            // A silo that is gone (killed, crashed, cut off): Orleans' own messages name internals.
            Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException
                or Orleans.Runtime.Messaging.ConnectionFailedException => (ErrorCode.Unavailable, false),
            VaultException or StorageException => (ErrorCode.Internal, true),
            _ => (ErrorCode.Internal, false),
        };
    }

    /// <summary>What a client is told of an error whose own message is not public but whose code is known.</summary>
    public static string GenericMessage(ErrorCode code) => code switch
    {
        ErrorCode.Unavailable => "a node of the cluster is unavailable (it left or is restarting); try again once membership has settled",
        _ => "internal error; see the server log",
    };

    /// <summary>The short name of a code as clients see it (REST problem type, CLI JSON): "corruption", "not-found"...</summary>
    public static string Name(ErrorCode code) => code switch
    {
        ErrorCode.InvalidRequest => "invalid-request",
        ErrorCode.NotFound => "not-found",
        ErrorCode.Corruption => "corruption",
        ErrorCode.WrongPassword => "wrong-password",
        ErrorCode.Refused => "refused",
        ErrorCode.Conflict => "conflict",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.Cancelled => "cancelled",
        ErrorCode.Interrupted => "interrupted",
        _ => "internal",
    };

    /// <summary>The code of a <see cref="Name"/>; <see cref="ErrorCode.Internal"/> for a name this version does not know.</summary>
    public static ErrorCode FromName(string name) =>
        Enum.GetValues<ErrorCode>().FirstOrDefault(c => Name(c) == name, ErrorCode.Internal);

    /// <summary>
    /// A storage-layer error as the serializable error of the grain interfaces with the same code
    /// (the storage layer knows nothing of Orleans).
    /// </summary>
    public static VaultException ToVaultException(StorageException e) => Classify(e).Code switch
    {
        ErrorCode.Corruption => new DataCorruptionException(e.Message),
        ErrorCode.WrongPassword => new PasswordRejectedException(e.Message),
        _ => new InvalidRequestException(e.Message),
    };
}
