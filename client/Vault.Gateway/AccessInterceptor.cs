using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Vault.Security;

namespace Vault.Gateway;

/// <summary>
/// Every call, gRPC or REST: authenticates the bearer token, checks the RPC's role (<see cref="RpcPolicy"/>),
/// bounds unary calls by <see cref="GatewayOptions.RequestTimeout"/>, and audits mutating calls (refused ones too).
/// </summary>
public sealed partial class AccessInterceptor(
    ApiKeys keys, IGrainFactory grains, IOptions<GatewayOptions> options, RefusedCallLog refused, ILogger<AccessInterceptor> logger) : Interceptor
{
    private const string CallerKey = "vault.caller";
    private const string TargetKey = "vault.audit-target";
    private readonly GatewayOptions _options = options.Value;

    /// <summary>The authenticated caller of a call that passed this interceptor.</summary>
    public static Caller CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var caller) && caller is Caller c ? c : Caller.Anonymous;

    /// <summary>Lets a streaming call name what it works on, for the audit log.</summary>
    public static void SetAuditTarget(ServerCallContext context, string target) => context.UserState[TargetKey] = target;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        SetAuditTarget(context, AuditTargets.Describe(request));
        return await GuardAsync(context, async () =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            var call = continuation(request, context);
            var finished = await Task.WhenAny(call, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
            if (finished != call && !context.CancellationToken.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"the call took longer than {GatewayOptions.SectionName}:RequestTimeout ({_options.RequestTimeout})"));
            }

            return await call;
        });
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        SetAuditTarget(context, AuditTargets.Describe(request));
        return GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var rule = RpcPolicy.For(context.Method);
        var what = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        Caller? caller = null;
        try
        {
            caller = await AuthenticateAsync(context);
            if (!RpcPolicy.Allows(caller.Role, rule))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied,
                    $"API key '{caller.Name}' has role {SecurityMapper.RoleName(caller.Role)}; {what} needs {rule.Role.ToString().ToLowerInvariant()}"));
            }

            context.UserState[CallerKey] = caller;
            var result = await call();
            if (rule.Mutating)
            {
                await AuditAsync(context, caller.Name, what, StatusCode.OK, "");
            }

            return result;
        }
        catch (Exception e) when (caller is null || rule.Mutating || e is RpcException { StatusCode: StatusCode.PermissionDenied })
        {
            var (status, _) = GatewayErrors.ToStatus(e);
            if (caller is null)
            {
                // Refused before a caller was known: counted apart, so that junk tokens cannot push real records out of the audit log.
                refused.Add(ClientAddress(context), what, status.Detail);
            }
            else
            {
                await AuditAsync(context, caller.Name, what, status.StatusCode, status.Detail);
            }

            throw;
        }
    }

    private async Task<Caller> AuthenticateAsync(ServerCallContext context)
    {
        if (!_options.AuthRequired)
        {
            return Caller.Anonymous;
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (string.IsNullOrEmpty(header))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authentication required: send 'Authorization: Bearer <token>' (vault --token or VAULT_TOKEN)"));
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the Authorization header must be 'Bearer <token>'"));
        }

        return await keys.AuthenticateAsync(header["Bearer ".Length..].Trim())
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the token is not valid (unknown or revoked)"));
    }

    private async Task AuditAsync(ServerCallContext context, string who, string what, StatusCode result, string detail)
    {
        var target = context.UserState.TryGetValue(TargetKey, out var t) ? t as string ?? "" : "";
        var record = new AuditRecord(DateTimeOffset.UtcNow, who, what, target, result == StatusCode.OK ? "OK" : result.ToString(), Shorten(detail, 300));
        LogAudit(who, what, target, record.Result, record.Detail);
        try
        {
            await grains.GetGrain<IAuditLogGrain>("default").AppendAsync(record);
        }
        catch (Exception e)
        {
            // The log line above is the audit trail of last resort; the call's own result stands.
            logger.LogError(e, "cannot append to the audit log");
        }
    }

    private static string ClientAddress(ServerCallContext context) =>
        context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? context.Peer;

    internal static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    [LoggerMessage(EventId = 7100, EventName = "GatewayAudit", Level = LogLevel.Information,
        Message = "audit: {Who} {What} {Target} -> {Result} {Detail}")]
    private partial void LogAudit(string who, string what, string target, string result, string detail);
}

/// <summary>What a request works on, in a few words, for the audit log.</summary>
public static class AuditTargets
{
    public static string Describe(object? request) => AccessInterceptor.Shorten(request switch
    {
        V1.StartBackupRequest r => string.Join(" ", r.Paths) + Node(r.Node),
        V1.StartRestoreRequest r => $"{r.Snapshot} -> {r.Target}{Node(r.Node)}",
        V1.CancelJobRequest r => r.Id + Node(r.Node),
        V1.CreateApiKeyRequest r => $"{r.Name} ({r.Role})",
        V1.RevokeApiKeyRequest r => r.Name,
        V1.RotateApiKeyRequest r => $"{r.Name} (overlap {r.OverlapSeconds} s)",
        V1.DumpRequest r => $"{r.Snapshot}:{r.Path}",
        V1.PutScheduleRequest r => r.Name,
        V1.DeleteScheduleRequest r => r.Name,
        V1.RunScheduleNowRequest r => r.Name,
        V1.RemoteExecRequest r => $"{r.Host}: {r.Command}{Node(r.Node)}",
        V1.RemoteServiceRequest r => $"{r.Host}: {r.Action} {r.Service}{Node(r.Node)}",
        V1.RemoteUploadRequest r => $"{r.Host}: upload {r.Path} ({r.Content.Length} bytes){Node(r.Node)}",
        V1.RemoteDownloadRequest r => $"{r.Host}: download {r.Path}{Node(r.Node)}",
        V1.RemoteTrustRequest r => $"{r.Host}: trust {(r.Fingerprint.Length == 0 ? "(show)" : r.Fingerprint)}{Node(r.Node)}",
        _ => "",
    }, 200);

    private static string Node(string node) => node.Length == 0 ? "" : $" on {node}";
}
