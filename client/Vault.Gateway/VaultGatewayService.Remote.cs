using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Vault.Remote;

namespace Vault.Gateway;

// Remote operations over SSH: each RPC is one call to the IRemoteGrain of the node that holds the host's
// configuration (the gateway's own node by default). The audit target gets the outcome (exit code, duration).
public sealed partial class VaultGatewayService
{
    /// <summary>The largest file one download call returns (its message must fit the client's receive limit).</summary>
    public const int MaxRemoteDownloadBytes = 4 * 1024 * 1024;

    public override async Task RemoteExec(V1.RemoteExecRequest request, IServerStreamWriter<V1.RemoteExecResponse> responseStream, ServerCallContext context)
    {
        RequireHost(request.Host);
        if (string.IsNullOrWhiteSpace(request.Command))
        {
            throw Invalid("a command is required");
        }

        if (request.TimeoutSeconds < 0 || double.IsNaN(request.TimeoutSeconds) || request.TimeoutSeconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw Invalid("timeout_seconds must be 0 (the host's CommandTimeout) or a positive number of seconds up to one day");
        }

        TimeSpan? timeout = request.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds) : null;
        var cancellation = context.CancellationToken;
        await foreach (var update in Remote(request.Node).ExecAsync(request.Host, request.Command, timeout, cancellation).WithCancellation(cancellation))
        {
            var response = new V1.RemoteExecResponse();
            if (update.Outcome is { } o)
            {
                response.Result = new V1.RemoteExecResult
                {
                    ExitSignal = o.ExitSignal ?? "",
                    TimedOut = o.TimedOut,
                    DurationSeconds = o.Duration.TotalSeconds,
                    StdoutBytes = o.StdoutBytes,
                    StderrBytes = o.StderrBytes,
                    OutputTruncated = o.OutputTruncated,
                };
                if (o.ExitCode is { } code)
                {
                    response.Result.ExitCode = code;
                }

                AccessInterceptor.SetAuditTarget(context, AccessInterceptor.Shorten(
                    $"{request.Host}: {request.Command} -> {(o.TimedOut ? "timed out" : o.ExitCode is { } c ? $"exit {c}" : "no exit code")}, " +
                    string.Create(CultureInfo.InvariantCulture, $"{o.Duration.TotalSeconds:0.###} s") + (o.OutputTruncated ? ", output truncated" : ""), 300));
            }
            else if (update.Stream == 1)
            {
                response.Stdout = ByteString.CopyFrom(update.Data);
            }
            else
            {
                response.Stderr = ByteString.CopyFrom(update.Data);
            }

            await responseStream.WriteAsync(response, cancellation);
        }
    }

    public override async Task<V1.RemoteServiceResponse> RemoteService(V1.RemoteServiceRequest request, ServerCallContext context)
    {
        RequireHost(request.Host);
        if (string.IsNullOrWhiteSpace(request.Service) || string.IsNullOrWhiteSpace(request.Action))
        {
            throw Invalid("a service name and an action (status, start, stop, restart, reload) are required");
        }

        var s = await Remote(request.Node).ServiceAsync(request.Host, request.Service, request.Action);
        var response = new V1.RemoteServiceResponse
        {
            Host = s.Host,
            Service = s.Service,
            Action = s.Action,
            ActiveState = s.ActiveState,
            SubState = s.SubState,
            LoadState = s.LoadState,
            DurationSeconds = s.Duration.TotalSeconds,
        };
        if (s.MainPid is { } pid)
        {
            response.MainPid = pid;
        }

        if (s.ExitCode is { } code)
        {
            response.ExitCode = code;
        }

        AccessInterceptor.SetAuditTarget(context, string.Create(CultureInfo.InvariantCulture,
            $"{s.Host}: {s.Action} {s.Service} -> {s.ActiveState}{(s.ExitCode is { } e ? $", exit {e}" : "")}, {s.Duration.TotalSeconds:0.###} s"));
        return response;
    }

    public override async Task<V1.RemoteFileResponse> RemoteUpload(V1.RemoteUploadRequest request, ServerCallContext context)
    {
        RequireHost(request.Host);
        RequireAbsolute(request.Path, "path");
        var file = await Remote(request.Node).UploadAsync(request.Host, request.Path, request.Content.ToByteArray(), request.HasMode ? request.Mode : null);
        AccessInterceptor.SetAuditTarget(context, $"{file.Host}: upload {file.Path} -> {file.Bytes} bytes, sha256 {file.Sha256}");
        return ToProto(file);
    }

    public override async Task<V1.RemoteDownloadResponse> RemoteDownload(V1.RemoteDownloadRequest request, ServerCallContext context)
    {
        RequireHost(request.Host);
        RequireAbsolute(request.Path, "path");
        var download = await Remote(request.Node).DownloadAsync(request.Host, request.Path, MaxRemoteDownloadBytes);
        AccessInterceptor.SetAuditTarget(context, $"{download.Info.Host}: download {download.Info.Path} -> {download.Info.Bytes} bytes, sha256 {download.Info.Sha256}");
        return new V1.RemoteDownloadResponse { File = ToProto(download.Info), Content = ByteString.CopyFrom(download.Content) };
    }

    public override async Task<V1.RemoteTrustResponse> RemoteTrust(V1.RemoteTrustRequest request, ServerCallContext context)
    {
        RequireHost(request.Host);
        var key = await Remote(request.Node).TrustAsync(request.Host, NullIfEmpty(request.Fingerprint));
        AccessInterceptor.SetAuditTarget(context, $"{key.Host}: trust {key.Fingerprint} -> {key.Verdict}{(key.Recorded ? ", recorded" : "")}");
        var response = new V1.RemoteTrustResponse
        {
            Host = key.Host,
            KnownHostsName = key.KnownHostsName,
            KeyType = key.KeyType,
            Fingerprint = key.Fingerprint,
            Verdict = key.Verdict,
            Recorded = key.Recorded,
        };
        response.Pinned.AddRange(key.Pinned);
        response.Replaced.AddRange(key.Replaced);
        return response;
    }

    private IRemoteGrain Remote(string node)
    {
        if (node.Length == 0)
        {
            node = _options.DefaultNode;
            if (node.Length == 0)
            {
                throw Invalid("no node given and the gateway has no default node");
            }
        }

        return _grains.GetGrain<IRemoteGrain>(node);
    }

    private static void RequireHost(string host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw Invalid("a remote host name is required");
        }
    }

    private static V1.RemoteFileResponse ToProto(RemoteFileInfo f) =>
        new() { Host = f.Host, Path = f.Path, Bytes = f.Bytes, Sha256 = f.Sha256, DurationSeconds = f.Duration.TotalSeconds };
}
