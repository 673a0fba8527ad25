using System.Reflection;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Vault.Peers;
using Vault.Security;
using Vault.Snapshots;

namespace Vault.Gateway;

/// <summary>
/// The gRPC (and, through JSON transcoding, REST) face of the cluster: validates requests, calls grains,
/// maps the answers. Exceptions are left to <see cref="ExceptionInterceptor"/>.
/// </summary>
public sealed partial class VaultGatewayService(IGrainFactory grains, ApiKeys keys, IOptions<GatewayOptions> options) : V1.VaultService.VaultServiceBase
{
    /// <summary>Bytes per grain call of a stream upload, and per message of a dump.</summary>
    public const int SegmentBytes = 1024 * 1024;

    public const int MaxPageSize = 1000;
    public const int DefaultAuditLimit = 100;
    private static readonly TimeSpan _minimumWatchInterval = TimeSpan.FromMilliseconds(50);

    private readonly IGrainFactory _grains = grains;
    private readonly GatewayOptions _options = options.Value;

    public override async Task<V1.Job> StartBackup(V1.StartBackupRequest request, ServerCallContext context)
    {
        if (request.Paths.Count == 0)
        {
            throw Invalid("at least one path is required");
        }

        RequestLimits.CheckPaths(request.Paths, "path");
        RequestLimits.CheckTags(request.Tags);
        RequestLimits.CheckPatterns(request.Excludes, "exclude pattern");
        foreach (var path in request.Paths)
        {
            RequireAbsolute(path, "path");
        }

        if (request.Tags.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid("tags must not be empty");
        }

        if (request.Excludes.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid("exclude patterns must not be empty");
        }

        SnapshotId? parent = null;
        if (request.Parent.Length > 0)
        {
            parent = (await Catalog.ResolveAsync(request.Parent)).Id;
        }

        var backup = new BackupRequest([.. request.Paths], [.. request.Tags], [.. request.Excludes], parent, request.Force);
        var job = await Peer(request.Node).StartBackupAsync(backup);
        return ProtoMapper.ToProto(job);
    }

    public override async Task<V1.Job> StartRestore(V1.StartRestoreRequest request, ServerCallContext context)
    {
        RequireReference(request.Snapshot);
        RequireAbsolute(request.Target, "target");
        RequestLimits.CheckPatterns(request.Includes, "include");
        foreach (var include in request.Includes)
        {
            RequireAbsolute(include, "include");
        }

        var snapshot = await Catalog.ResolveAsync(request.Snapshot);
        var job = await Peer(request.Node).StartRestoreAsync(new RestoreRequest(snapshot.Id, request.Target, [.. request.Includes]));
        return ProtoMapper.ToProto(job);
    }

    public override async Task<V1.Job> GetJob(V1.GetJobRequest request, ServerCallContext context)
    {
        var id = ProtoMapper.ParseJobId(request.Id);
        return ProtoMapper.ToProto(await Peer(request.Node).GetJobAsync(id));
    }

    public override async Task WatchJob(V1.WatchJobRequest request, IServerStreamWriter<V1.Job> responseStream, ServerCallContext context)
    {
        var id = ProtoMapper.ParseJobId(request.Id);
        if (request.IntervalMs < 0)
        {
            throw Invalid("interval_ms must not be negative");
        }

        var interval = request.IntervalMs == 0 ? _options.DefaultWatchInterval : TimeSpan.FromMilliseconds(request.IntervalMs);
        if (interval < _minimumWatchInterval)
        {
            interval = _minimumWatchInterval;
        }

        var peer = Peer(request.Node);
        var cancellation = context.CancellationToken;
        while (true)
        {
            var job = await peer.GetJobAsync(id);
            await responseStream.WriteAsync(ProtoMapper.ToProto(job), cancellation);
            if (job.State != JobState.Running)
            {
                return;
            }

            await Task.Delay(interval, cancellation);
        }
    }

    public override async Task<V1.Job> CancelJob(V1.CancelJobRequest request, ServerCallContext context)
    {
        var id = ProtoMapper.ParseJobId(request.Id);
        var peer = Peer(request.Node);
        await peer.CancelJobAsync(id);
        return ProtoMapper.ToProto(await peer.GetJobAsync(id));
    }

    public override async Task<V1.ListSnapshotsResponse> ListSnapshots(V1.ListSnapshotsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw Invalid($"page_size is {request.PageSize}; must be between 1 and {MaxPageSize} (0 = {MaxPageSize})");
        }

        var size = request.PageSize == 0 ? MaxPageSize : request.PageSize;
        var offset = 0;
        if (request.PageToken.Length > 0 && (!request.PageToken.StartsWith('o') || !int.TryParse(request.PageToken.AsSpan(1), out offset) || offset < 0))
        {
            throw Invalid($"page_token '{AccessInterceptor.Shorten(request.PageToken, 40)}' is not valid; pass next_page_token of the previous page");
        }

        RequestLimits.CheckName(request.Node, "node");
        RequestLimits.CheckName(request.Tag, "tag");
        RequestLimits.CheckPath(request.Path, "path");
        var snapshots = await Catalog.ListAsync(NullIfEmpty(request.Node), NullIfEmpty(request.Tag), NullIfEmpty(request.Path));
        var response = new V1.ListSnapshotsResponse();
        var next = SnapshotPage.Fill(response, snapshots, offset, size);
        if (next < snapshots.Count)
        {
            response.NextPageToken = "o" + next;
        }

        return response;
    }

    public override async Task<V1.Snapshot> GetSnapshot(V1.GetSnapshotRequest request, ServerCallContext context)
    {
        RequireReference(request.Id);
        return ProtoMapper.ToProto(await Catalog.ResolveAsync(request.Id));
    }

    public override async Task ListFiles(V1.ListFilesRequest request, IServerStreamWriter<V1.FileEntry> responseStream, ServerCallContext context)
    {
        RequireReference(request.Snapshot);
        var path = request.Path.Length == 0 ? "/" : request.Path;
        if (!path.StartsWith('/'))
        {
            throw Invalid($"path '{path}' must be absolute inside the snapshot (start with '/')");
        }

        var snapshot = await Catalog.ResolveAsync(request.Snapshot);
        var cancellation = context.CancellationToken;
        await foreach (var entry in Peer("").ListFilesAsync(snapshot.Id, path, !request.NonRecursive, cancellation).WithCancellation(cancellation))
        {
            await responseStream.WriteAsync(ProtoMapper.ToProto(entry), cancellation);
        }
    }

    public override async Task<V1.GetStatusResponse> GetStatus(V1.GetStatusRequest request, ServerCallContext context)
    {
        var snapshots = await Catalog.ListAsync();
        var response = new V1.GetStatusResponse
        {
            Version = Version,
            RepositoryId = _options.Repository,
            SnapshotCount = snapshots.Count,
            ClusterMode = _options.ClusterMode,
        };
        if (_options.ClusterMode == "cluster")
        {
            // Every node that is up; ListPeers has the down and decommissioned ones too.
            var roster = await _grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).GetAsync();
            var infos = await Task.WhenAll(roster.Where(e => e.Up).Select(async e =>
            {
                try
                {
                    return await _grains.GetGrain<IPeerGrain>(e.Node).GetInfoAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return null;
                }
            }));
            response.Nodes.AddRange(infos.OfType<PeerInfo>().Select(ProtoMapper.ToProto));
        }
        else if (_options.DefaultNode.Length > 0)
        {
            response.Nodes.Add(ProtoMapper.ToProto(await Peer("").GetInfoAsync()));
        }

        return response;
    }

    public override async Task<V1.Snapshot> BackupStream(IAsyncStreamReader<V1.BackupStreamChunk> requestStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation))
        {
            throw new StreamTruncatedException("the stream upload sent no message; nothing was committed");
        }

        var message = requestStream.Current;
        var name = message.Name;
        string why = "it is blank";
        if (string.IsNullOrWhiteSpace(name) || !Vault.Storage.NodeNames.IsValid(name, out why))
        {
            throw Invalid($"name '{AccessInterceptor.Shorten(name, 80)}' must be a file name: 1-{Vault.Storage.NodeNames.MaxNameBytes} bytes in UTF-8, no '/', not '.' or '..' ({why}; the first message carries it)");
        }

        if (message.Tags.Any(string.IsNullOrWhiteSpace))
        {
            throw Invalid("tags must not be empty");
        }

        RequestLimits.CheckTags(message.Tags);
        AccessInterceptor.SetAuditTarget(context, name + (message.Node.Length > 0 ? $" on {message.Node}" : ""));
        var peer = Peer(message.Node);
        var session = (await peer.BeginStreamAsync(new StreamBackupRequest(name, [.. message.Tags]))).Id;
        var committed = false;
        var reason = "the upload failed";
        try
        {
            var segment = new byte[SegmentBytes];
            var filled = 0;
            long total = 0;
            while (true)
            {
                var data = message.Data.Memory;
                total += data.Length;
                while (data.Length > 0)
                {
                    var n = Math.Min(segment.Length - filled, data.Length);
                    data.Span[..n].CopyTo(segment.AsSpan(filled));
                    data = data[n..];
                    filled += n;
                    if (filled == segment.Length)
                    {
                        // The node copies the segment into its chunker before it answers, so the array can be reused.
                        await peer.AppendStreamAsync(session, new DataSegment(segment));
                        filled = 0;
                    }
                }

                if (message.Complete)
                {
                    if (filled > 0)
                    {
                        await peer.AppendStreamAsync(session, new DataSegment(segment[..filled]));
                    }

                    var snapshot = await peer.CompleteStreamAsync(session, message.TotalSize);
                    committed = true;
                    return ProtoMapper.ToProto(snapshot);
                }

                bool more;
                try
                {
                    more = await requestStream.MoveNext(cancellation);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
                {
                    reason = $"stream '{name}' was cut off after {total} bytes (the client went away); nothing was committed";
                    throw new StreamTruncatedException(reason);
                }

                if (!more)
                {
                    reason = $"stream '{name}' ended after {total} bytes without a message marked complete; nothing was committed";
                    throw new StreamTruncatedException(reason);
                }

                message = requestStream.Current;
            }
        }
        catch (Exception e) when (e is not StreamTruncatedException)
        {
            reason = e.Message;
            throw;
        }
        finally
        {
            if (!committed)
            {
                await AbortQuietlyAsync(peer, session, reason);
            }
        }
    }

    public override async Task Dump(V1.DumpRequest request, IServerStreamWriter<V1.DumpChunk> responseStream, ServerCallContext context)
    {
        RequireReference(request.Snapshot);
        if (!request.Path.StartsWith('/') || request.Path.Length < 2)
        {
            throw Invalid($"path '{AccessInterceptor.Shorten(request.Path, 200)}' must be the absolute path of a file inside the snapshot");
        }

        var snapshot = await Catalog.ResolveAsync(request.Snapshot);
        var cancellation = context.CancellationToken;
        // One chunk per grain message: memory stays at a chunk or two whatever the file's size.
        await foreach (var chunk in Peer("").ReadFileAsync(snapshot.Id, request.Path, cancellation).WithBatchSize(1).WithCancellation(cancellation))
        {
            for (var offset = 0; offset < chunk.Data.Length; offset += SegmentBytes)
            {
                var piece = chunk.Data.AsMemory(offset, Math.Min(SegmentBytes, chunk.Data.Length - offset));
                await responseStream.WriteAsync(new V1.DumpChunk { Data = UnsafeByteOperations.UnsafeWrap(piece) }, cancellation);
            }
        }
    }

    public override async Task<V1.CreateApiKeyResponse> CreateApiKey(V1.CreateApiKeyRequest request, ServerCallContext context)
    {
        RequireKeyName(request.Name);
        var role = SecurityMapper.FromProto(request.Role);
        var token = ApiKeys.NewToken();
        var key = await keys.Store.CreateAsync(request.Name, role, ApiKeys.Hash(token), AccessInterceptor.CallerOf(context).Name, request.Expires?.ToDateTimeOffset());
        return new V1.CreateApiKeyResponse { Key = SecurityMapper.ToProto(key), Token = token };
    }

    public override async Task<V1.ApiKey> RevokeApiKey(V1.RevokeApiKeyRequest request, ServerCallContext context)
    {
        RequireKeyName(request.Name);
        return SecurityMapper.ToProto(await keys.Store.RevokeAsync(request.Name));
    }

    public override async Task<V1.ListApiKeysResponse> ListApiKeys(V1.ListApiKeysRequest request, ServerCallContext context)
    {
        var response = new V1.ListApiKeysResponse();
        response.Keys.AddRange((await keys.Store.ListAsync()).Select(SecurityMapper.ToProto));
        return response;
    }

    public override async Task<V1.ListAuditResponse> ListAudit(V1.ListAuditRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > AuditLogLimit)
        {
            throw Invalid($"limit is {request.Limit}; must be between 1 and {AuditLogLimit} (0 = {DefaultAuditLimit})");
        }

        var records = await _grains.GetGrain<IAuditLogGrain>("default").ListAsync(request.Limit == 0 ? DefaultAuditLimit : request.Limit);
        var response = new V1.ListAuditResponse();
        response.Entries.AddRange(records.Select(SecurityMapper.ToProto));
        await AddRefusedAsync(response, request.Limit == 0 ? DefaultAuditLimit : request.Limit, context);
        return response;
    }

    private const int AuditLogLimit = 1000;

    private static async Task AbortQuietlyAsync(IPeerGrain peer, JobId session, string reason)
    {
        try
        {
            await peer.AbortStreamAsync(session, reason);
        }
        catch (Exception)
        {
            // The node aborts idle sessions by itself; the caller already has the original error.
        }
    }

    private static void RequireKeyName(string name)
    {
        if (!KeyNamePattern().IsMatch(name))
        {
            throw Invalid($"key name '{AccessInterceptor.Shorten(name, 80)}' must be 1-64 letters, digits, '.', '_' or '-'");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex KeyNamePattern();

    public override async Task<V1.ListPeersResponse> ListPeers(V1.ListPeersRequest request, ServerCallContext context)
    {
        var roster = await _grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).GetAsync();
        var peers = await Task.WhenAll(roster.Select(PeerAsync));
        var response = new V1.ListPeersResponse { Replicas = _options.Replicas, WriteQuorum = _options.WriteQuorum };
        response.Peers.AddRange(peers);
        return response;
    }

    public override async Task<V1.Peer> DecommissionPeer(V1.DecommissionPeerRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Node))
        {
            throw Invalid("a node id is required");
        }

        var entry = await _grains.GetGrain<IRosterGrain>(IRosterGrain.DefaultKey).StartDecommissionAsync(request.Node, _options.Replicas);
        return await PeerAsync(entry);
    }

    private async Task<V1.Peer> PeerAsync(RosterEntry entry)
    {
        var peer = ProtoMapper.ToProto(entry);
        if (!entry.Up)
        {
            peer.Error = "the node is not an active member of the cluster";
            return peer;
        }

        try
        {
            var info = await _grains.GetGrain<IPeerGrain>(entry.Node).GetInfoAsync().WaitAsync(TimeSpan.FromSeconds(10));
            ProtoMapper.AddInfo(peer, info);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            peer.Error = $"the node did not answer: {e.Message}";
        }

        return peer;
    }

    /// <summary>The gateway's version (informational version of this assembly, without build metadata).</summary>
    public static string Version { get; } = GetVersion();

    private ISnapshotCatalogGrain Catalog => _grains.GetGrain<ISnapshotCatalogGrain>(_options.Repository);

    private IPeerGrain Peer(string node)
    {
        RequestLimits.CheckName(node, "node");
        if (node.Length == 0)
        {
            node = _options.DefaultNode;
            if (node.Length == 0)
            {
                throw Invalid("no node given and the gateway has no default node");
            }
        }

        return _grains.GetGrain<IPeerGrain>(node);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static void RequireReference(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            throw Invalid("a snapshot is required (an id, a unique id prefix, or \"latest\")");
        }
    }

    private static void RequireAbsolute(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw Invalid($"{what} must not be empty");
        }

        if (!Path.IsPathFullyQualified(path))
        {
            throw Invalid($"{what} '{AccessInterceptor.Shorten(path, 80)}' must be absolute");
        }

        RequestLimits.CheckPath(path, what);
    }

    private static InvalidRequestException Invalid(string message) => new(message);

    private static string GetVersion()
    {
        var version = typeof(VaultGatewayService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
