using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Failover;

namespace Vault.Gateway;

// The failover controllers' operations: each RPC is one call to the service's controller grain.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.GetFailoverStatusResponse> GetFailoverStatus(V1.GetFailoverStatusRequest request, ServerCallContext context)
    {
        var services = request.Service.Length > 0
            ? [request.Service]
            : await _grains.GetGrain<IFailoverRegistryGrain>(IFailoverRegistryGrain.Key).ListAsync();
        var response = new V1.GetFailoverStatusResponse();
        foreach (var service in services)
        {
            var status = await Controller(service).GetStatusAsync();
            if (!status.Configured)
            {
                throw new FailoverServiceNotFoundException($"failover service '{service}' is not configured");
            }

            response.Services.Add(FailoverProtoMapper.ToProto(status));
        }

        return response;
    }

    public override async Task<V1.GetFailoverHistoryResponse> GetFailoverHistory(V1.GetFailoverHistoryRequest request, ServerCallContext context)
    {
        var controller = Controller(request.Service);
        if (request.Limit < 0)
        {
            throw Invalid("limit must not be negative");
        }

        if (!(await controller.GetStatusAsync()).Configured)
        {
            throw new FailoverServiceNotFoundException($"failover service '{request.Service}' is not configured");
        }

        var response = new V1.GetFailoverHistoryResponse();
        response.Entries.AddRange((await controller.GetHistoryAsync(request.Limit)).Select(FailoverProtoMapper.ToProto));
        return response;
    }

    public override async Task<V1.FailoverStatus> Switchover(V1.SwitchoverRequest request, ServerCallContext context) =>
        FailoverProtoMapper.ToProto(await Controller(request.Service).SwitchoverAsync(
            new FailoverCommand(NullIfEmpty(request.To), false, Operator(request.Operator), NullIfEmpty(request.Reason))));

    public override async Task<V1.FailoverStatus> Failover(V1.FailoverRequest request, ServerCallContext context) =>
        FailoverProtoMapper.ToProto(await Controller(request.Service).FailoverAsync(
            new FailoverCommand(NullIfEmpty(request.To), request.Force, Operator(request.Operator), NullIfEmpty(request.Reason))));

    public override async Task<V1.FailoverStatus> PauseFailover(V1.PauseFailoverRequest request, ServerCallContext context) =>
        FailoverProtoMapper.ToProto(await Controller(request.Service).PauseAsync(Operator(request.Operator)));

    public override async Task<V1.FailoverStatus> ResumeFailover(V1.ResumeFailoverRequest request, ServerCallContext context) =>
        FailoverProtoMapper.ToProto(await Controller(request.Service).ResumeAsync(Operator(request.Operator)));

    private IFailoverControllerGrain Controller(string service) =>
        string.IsNullOrWhiteSpace(service)
            ? throw Invalid("a failover service name is required")
            : _grains.GetGrain<IFailoverControllerGrain>(service);

    private static string Operator(string name) => string.IsNullOrWhiteSpace(name) ? "api" : name;
}

/// <summary>Failover records to their wire form (enum names in kebab case, as the CLI prints them).</summary>
public static class FailoverProtoMapper
{
    public static V1.FailoverStatus ToProto(FailoverStatus s)
    {
        var proto = new V1.FailoverStatus
        {
            Service = s.Service,
            Engine = s.Engine.ToString().ToLowerInvariant(),
            Mode = Kebab(s.Mode.ToString()),
            Paused = s.Paused,
            Phase = Kebab(s.Phase.ToString()),
            Kind = s.Kind is { } k ? k.ToString().ToLowerInvariant() : "",
            Halted = s.Halted,
            Epoch = s.Epoch,
            Primary = s.Primary,
            Target = s.Target ?? "",
            ConsecutiveFailures = s.ConsecutiveFailures,
            Blocker = s.Blocker ?? "",
            LastError = s.LastError ?? "",
            LastFailover = s.LastFailover is { } t ? Timestamp.FromDateTimeOffset(t) : null,
            Silo = s.Silo,
            Progress = s.Progress ?? "",
            Traffic = s.Traffic ?? "",
        };
        foreach (var n in s.Nodes)
        {
            var node = new V1.FailoverNodeState
            {
                Node = n.Node,
                Reachable = n.Reachable,
                Role = n.Role.ToString().ToLowerInvariant(),
                LinkUp = n.LinkUp,
                Error = n.Error ?? "",
                Observed = Timestamp.FromDateTimeOffset(n.At),
            };
            if (n.Position is { } p)
            {
                node.Position = p;
            }

            if (n.LagBytes is { } b)
            {
                node.LagBytes = b;
            }

            if (n.LagSeconds is { } sec)
            {
                node.LagSeconds = sec;
            }

            proto.Nodes.Add(node);
        }

        proto.Fenced.AddRange(s.Fenced.Select(f => new V1.FencedNode
        {
            Node = f.Node,
            Epoch = f.Epoch,
            Since = Timestamp.FromDateTimeOffset(f.Since),
            Returned = f.Returned,
            Note = f.Note ?? "",
        }));
        return proto;
    }

    public static V1.FailoverAuditEntry ToProto(FailoverAuditEntry e) => new()
    {
        Time = Timestamp.FromDateTimeOffset(e.At),
        Epoch = e.Epoch,
        Kind = e.Kind,
        Phase = Kebab(e.Phase.ToString()),
        Message = e.Message,
        Result = e.Result,
        DurationMs = e.DurationMs,
    };

    /// <summary>PublishingDns → publishing-dns.</summary>
    public static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
