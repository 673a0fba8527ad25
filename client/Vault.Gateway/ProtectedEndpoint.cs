using Vault.Security;

namespace Vault.Gateway;

/// <summary>
/// An HTTP endpoint outside the gRPC/REST API (metrics, the dashboard, the metrics summary) and the key it needs
/// when authentication is required. <paramref name="AcceptBasic"/>: a browser may send the token as the password
/// of HTTP Basic authentication (the dashboard's pages fetch their data with the same credentials).
/// </summary>
public sealed record ProtectedEndpoint(string PathPrefix, ApiRole Role, EndpointAccess Access, bool AcceptBasic = false);
