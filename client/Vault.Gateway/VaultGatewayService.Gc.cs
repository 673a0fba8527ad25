using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Vault.Retention;

namespace Vault.Gateway;

// Garbage collection: each RPC is one call to the repository's RetentionGrain.
public sealed partial class VaultGatewayService
{
    public override async Task<V1.GcStatus> RunGc(V1.RunGcRequest request, ServerCallContext context)
    {
        if (double.IsNaN(request.RepackThreshold) || request.RepackThreshold < 0 || request.RepackThreshold > 1)
        {
            throw Invalid($"repack_threshold {request.RepackThreshold} must be between 0 (the configured value) and 1");
        }

        var gc = new GcRequest { DryRun = request.DryRun, RepackThreshold = request.RepackThreshold > 0 ? request.RepackThreshold : null };
        return ToProto(await Retention.StartGcAsync(gc, NullIfEmpty(request.Node)));
    }

    public override async Task<V1.GcStatus> GetGcStatus(V1.GetGcStatusRequest request, ServerCallContext context) =>
        ToProto(await Retention.GetGcStatusAsync());

    private IRetentionGrain Retention => _grains.GetGrain<IRetentionGrain>("default");

    private static V1.GcStatus ToProto(GcStatus status)
    {
        var result = new V1.GcStatus();
        if (status.Current is { } current)
        {
            result.Current = ToProto(current);
        }

        if (status.Last is { } last)
        {
            result.Last = ToProto(last);
        }

        return result;
    }

    private static V1.GcRun ToProto(GcRun run)
    {
        var proto = new V1.GcRun
        {
            RunId = run.RunId.ToString("N"),
            Outcome = run.Outcome.ToString().ToLowerInvariant(),
            Phase = (run.Outcome == GcOutcome.Running ? run.Phase : GcPhase.Idle) switch
            {
                GcPhase.WaitingForBackups => "waiting_for_backups",
                var p => p.ToString().ToLowerInvariant(),
            },
            Node = run.Node,
            JobId = run.Job.ToString(),
            Started = Timestamp.FromDateTimeOffset(run.Started),
            DryRun = run.DryRun,
            SnapshotsMarked = run.SnapshotsMarked,
            ChunksLive = run.ChunksLive,
            ChunksRemoved = run.ChunksRemoved,
            PacksDeleted = run.PacksDeleted,
            PacksRepacked = run.PacksRepacked,
            BytesFreed = run.BytesFreed,
            Error = run.Error ?? "",
            DurationSeconds = ((run.Finished ?? DateTimeOffset.UtcNow) - run.Started).TotalSeconds,
        };
        if (run.Finished is { } finished)
        {
            proto.Finished = Timestamp.FromDateTimeOffset(finished);
        }

        return proto;
    }
}
