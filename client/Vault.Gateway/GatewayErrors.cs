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

        if (exception is RpcException rpc)
        {
            return (rpc.Status, false);
        }

        if (exception is OperationCanceledException)
        {
            return (new Status(StatusCode.Cancelled, "the operation was cancelled"), false);
        }

        // A grain call that got no answer in time (Orleans' response timeout): the documented 504, not a 500.
        if (exception is TimeoutException)
        {
            // Orleans appends the message's routing and diagnostics after " for message:": internals, not for users.
            var detail = exception.Message.Split(" for message:", 2)[0];
            return (new Status(StatusCode.DeadlineExceeded, $"the cluster did not answer in time: {detail}"), false);
        }

        var (code, isPublic) = ErrorTable.Classify(exception);
        return isPublic
            ? (new Status(ToStatusCode(code), exception.Message), code == ErrorCode.Internal)
            : code == ErrorCode.Internal
                ? (new Status(StatusCode.Internal, InternalMessage), true)
                : (new Status(ToStatusCode(code), ErrorTable.GenericMessage(code)), true);
    }

    /// <summary>The gRPC status code of an <see cref="ErrorCode"/> (and so, through the CLI's table, its exit code).</summary>
    public static StatusCode ToStatusCode(ErrorCode code) => code switch
    {
        ErrorCode.InvalidRequest => StatusCode.InvalidArgument,
        ErrorCode.NotFound => StatusCode.NotFound,
        ErrorCode.Corruption => StatusCode.DataLoss,
        ErrorCode.WrongPassword or ErrorCode.Refused => StatusCode.FailedPrecondition,
        ErrorCode.Conflict or ErrorCode.Interrupted => StatusCode.Aborted,
        ErrorCode.Unavailable => StatusCode.Unavailable,
        ErrorCode.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// The RFC 7807 <c>type</c> of a REST error: <c>urn:vault:error:</c> and the name of the
    /// <see cref="ErrorCode"/> behind the status (the codes that share a status share its first name:
    /// FAILED_PRECONDITION is "refused", ABORTED "conflict"); statuses of the gateway's own checks
    /// (authentication, limits, time-outs) are named after the gRPC status.
    /// </summary>
    public static string ProblemType(StatusCode code) => "urn:vault:error:" + code switch
    {
        StatusCode.InvalidArgument => ErrorTable.Name(ErrorCode.InvalidRequest),
        StatusCode.NotFound => ErrorTable.Name(ErrorCode.NotFound),
        StatusCode.DataLoss => ErrorTable.Name(ErrorCode.Corruption),
        StatusCode.FailedPrecondition => ErrorTable.Name(ErrorCode.Refused),
        StatusCode.Aborted => ErrorTable.Name(ErrorCode.Conflict),
        StatusCode.Unavailable => ErrorTable.Name(ErrorCode.Unavailable),
        StatusCode.Cancelled => ErrorTable.Name(ErrorCode.Cancelled),
        StatusCode.Unauthenticated => "unauthenticated",
        StatusCode.PermissionDenied => "permission-denied",
        StatusCode.ResourceExhausted => "resource-exhausted",
        StatusCode.DeadlineExceeded => "deadline-exceeded",
        StatusCode.Unimplemented => "unimplemented",
        _ => ErrorTable.Name(ErrorCode.Internal),
    };

    /// <summary>The HTTP status of a REST error with this gRPC status (the same table as JSON transcoding's).</summary>
    public static int ToHttpStatus(StatusCode code) => code switch
    {
        StatusCode.OK => 200,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Cancelled => 499,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        StatusCode.DeadlineExceeded => 504,
        _ => 500,
    };

    /// <summary>The gRPC status for an HTTP status the gateway's middleware produced itself (413, 429...).</summary>
    public static StatusCode FromHttpStatus(int status) => status switch
    {
        400 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 or 405 => StatusCode.NotFound,
        409 => StatusCode.Aborted,
        413 or 429 or 431 => StatusCode.ResourceExhausted,
        499 => StatusCode.Cancelled,
        501 => StatusCode.Unimplemented,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        _ => StatusCode.Internal,
    };

    /// <summary>The RFC 7807 title of a REST error.</summary>
    public static string Title(int httpStatus) => httpStatus switch
    {
        400 => "Invalid request",
        401 => "Not authenticated",
        403 => "Permission denied",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Request too large",
        429 => "Too many requests",
        431 => "Request headers too large",
        499 => "Cancelled",
        501 => "Not implemented",
        503 => "Unavailable",
        504 => "Timed out",
        _ => "Internal error",
    };
}
