using Grpc.Core;

namespace Vault.Client;

/// <summary>A call to the gateway failed: the server refused it, failed, or could not be reached.</summary>
public sealed class VaultClientException : Exception
{
    /// <summary>Creates an exception for a failed call.</summary>
    /// <param name="statusCode">The gRPC status of the failure.</param>
    /// <param name="message">The reason, as the server (or the transport) gave it.</param>
    /// <param name="inner">The underlying exception, when there is one.</param>
    public VaultClientException(StatusCode statusCode, string message, Exception? inner = null)
        : base(message, inner) => StatusCode = statusCode;

    /// <summary>
    /// The gRPC status code: <see cref="StatusCode.NotFound"/> for an unknown snapshot or job,
    /// <see cref="StatusCode.InvalidArgument"/> for a refused request, <see cref="StatusCode.Unavailable"/>
    /// when the gateway cannot be reached, <see cref="StatusCode.DataLoss"/> when corruption was detected.
    /// </summary>
    public StatusCode StatusCode { get; }

    internal static VaultClientException From(RpcException exception)
    {
        var detail = exception.Status.Detail;
        if (string.IsNullOrEmpty(detail))
        {
            detail = exception.StatusCode.ToString();
        }

        // "Error connecting to subchannel." says little; the socket error says why.
        if (exception.StatusCode == StatusCode.Unavailable && exception.Status.DebugException?.Message is { Length: > 0 } cause)
        {
            detail = $"{detail.TrimEnd('.')} ({cause})";
        }

        return new VaultClientException(exception.StatusCode, detail, exception);
    }
}
