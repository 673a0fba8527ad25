using Grpc.Core;
using Vault.Storage;

namespace Vault.Gateway;

/// <summary>The one place where exceptions become gRPC statuses.</summary>
public static class GatewayErrors
{
    /// <summary>Message returned for failures whose details must not leave the server.</summary>
    public const string InternalMessage = "internal error in the gateway; see the server log";

    /// <summary>
    /// The status for an exception, and whether it is unexpected (to be logged as an error).
    /// Only messages of Vault's own exceptions and of id parsing errors (FormatException) are returned to the caller.
    /// </summary>
    public static (Status Status, bool Unexpected) ToStatus(Exception exception)
    {
        // Orleans may wrap a grain's exception; report the inner one.
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception switch
        {
            RpcException rpc => (rpc.Status, false),
            SnapshotNotFoundException or JobNotFoundException or NotFoundException
                => (new Status(StatusCode.NotFound, exception.Message), false),
            AmbiguousSnapshotException or InvalidRequestException or InvalidTreeException or InvalidConfigurationException
                => (new Status(StatusCode.InvalidArgument, exception.Message), false),
            FormatException
                => (new Status(StatusCode.InvalidArgument, exception.Message), false),
            CorruptDataException or DataCorruptionException => (new Status(StatusCode.DataLoss, exception.Message), false),
            WrongPasswordException => (new Status(StatusCode.FailedPrecondition, exception.Message), false),
            ReplicationException => (new Status(StatusCode.Unavailable, exception.Message), false),
            OperationCanceledException => (new Status(StatusCode.Cancelled, "the operation was cancelled"), false),
            VaultException or StorageException => (new Status(StatusCode.Internal, exception.Message), true),
            _ => (new Status(StatusCode.Internal, InternalMessage), true),
        };
    }
}
