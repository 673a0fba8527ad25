using Microsoft.Extensions.Logging;

namespace Vault.ClusterTls;

internal static partial class ClusterTlsLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning,
        Message = "Refused a cluster connection ({Direction}): the peer's certificate {Subject} (thumbprint {Thumbprint}, issuer {Issuer}) does not chain to a trusted CA: {Reason}")]
    public static partial void Refused(ILogger logger, string direction, string subject, string thumbprint, string issuer, string reason);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information,
        Message = "Cluster TLS files loaded: certificate {Subject} (thumbprint {Thumbprint}, valid until {NotAfter:u}), trusting {CaCount} CA certificate(s): {CaThumbprints}")]
    public static partial void Loaded(ILogger logger, string subject, string thumbprint, DateTime notAfter, int caCount, string caThumbprints);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error,
        Message = "Cluster TLS files changed but cannot be used; the previous certificate and CAs stay in use: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string reason);
}
