using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Vault.Security;

namespace Vault.Gateway;

/// <summary>
/// With authentication required, lets a call to a <see cref="ProtectedEndpoint"/> through only with a key of its
/// role (401/403 as problem details otherwise, before the endpoint runs). The gRPC and REST API is guarded by
/// <see cref="AccessInterceptor"/>; this covers what the host maps beside it.
/// </summary>
public sealed class ProtectedEndpointsMiddleware(RequestDelegate next, IEnumerable<ProtectedEndpoint> endpoints, IOptions<GatewayOptions> options, ApiKeys keys)
{
    private readonly ProtectedEndpoint[] _endpoints = [.. endpoints];
    private readonly GatewayOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        var rule = _options.AuthRequired ? _endpoints.FirstOrDefault(e => context.Request.Path.StartsWithSegments(e.PathPrefix)) : null;
        if (rule is null || rule.Access == EndpointAccess.Open
            || (rule.Access == EndpointAccess.Loopback && context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)))
        {
            await next(context);
            return;
        }

        var token = Token(context.Request, rule.AcceptBasic);
        if (token is null)
        {
            Challenge(context.Response, rule);
            await ProblemDetailsMiddleware.WriteAsync(context.Response, StatusCodes.Status401Unauthorized,
                $"authentication required: {context.Request.Path} needs an API key with role {Name(rule.Role)} ('Authorization: Bearer <token>')");
            return;
        }

        var caller = await keys.AuthenticateAsync(token);
        if (caller is null)
        {
            Challenge(context.Response, rule);
            await ProblemDetailsMiddleware.WriteAsync(context.Response, StatusCodes.Status401Unauthorized, "the token is not valid (unknown or revoked)");
            return;
        }

        if (!RpcPolicy.Allows(caller.Role, rule.Role))
        {
            await ProblemDetailsMiddleware.WriteAsync(context.Response, StatusCodes.Status403Forbidden,
                $"API key '{caller.Name}' has role {Name(caller.Role)}; {context.Request.Path} needs {Name(rule.Role)}");
            return;
        }

        await next(context);
    }

    /// <summary>True when the caller may see details (descriptions of health checks): authentication off, or a reader key.</summary>
    public static async Task<bool> MayReadDetailsAsync(HttpContext context, GatewayOptions options, ApiKeys keys)
    {
        if (!options.AuthRequired)
        {
            return true;
        }

        return Token(context.Request, acceptBasic: false) is { } token && await keys.AuthenticateAsync(token) is { } caller
            && RpcPolicy.Allows(caller.Role, ApiRole.Reader);
    }

    private static string? Token(HttpRequest request, bool acceptBasic)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        if (acceptBasic && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : pair[(colon + 1)..];
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    private static void Challenge(HttpResponse response, ProtectedEndpoint rule) =>
        response.Headers.WWWAuthenticate = rule.AcceptBasic ? "Basic realm=\"vault\", charset=\"UTF-8\"" : "Bearer realm=\"vault\"";

    private static string Name(ApiRole role) => role.ToString().ToLowerInvariant();
}
