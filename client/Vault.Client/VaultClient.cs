using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Vault.V1;

namespace Vault.Client;

/// <summary>
/// Typed access to a Vault gateway over gRPC. Plain <c>http://</c> addresses use HTTP/2 without TLS.
/// Every failure surfaces as a <see cref="VaultClientException"/>. Thread-safe; dispose it to close the channel it owns.
/// </summary>
public sealed partial class VaultClient : IDisposable
{
    private readonly VaultService.VaultServiceClient _client;
    private readonly GrpcChannel? _ownedChannel;
    private readonly VaultClientOptions _options;

    /// <summary>Connects to the gateway at <paramref name="address"/> (for example http://127.0.0.1:7401).</summary>
    public VaultClient(Uri address, VaultClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"gateway address '{address}' must be an http:// or https:// URL", nameof(address));
        }

        _options = options ?? new VaultClientOptions();
        _ownedChannel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = _options.HttpHandler,
            DisposeHttpClient = _options.HttpHandler is not null,
            MaxReceiveMessageSize = 8 * 1024 * 1024,
        });
        var invoker = _ownedChannel.CreateCallInvoker();
        if (_options.Token is { Length: > 0 } token)
        {
            var bearer = "Bearer " + token;
            invoker = invoker.Intercept(metadata =>
            {
                metadata.Add("authorization", bearer);
                return metadata;
            });
        }

        _client = new VaultService.VaultServiceClient(invoker);
        Address = address;
    }

    /// <summary>Uses an existing generated client (for example one over a channel the caller owns); nothing is disposed.</summary>
    public VaultClient(VaultService.VaultServiceClient client, Uri address, VaultClientOptions? options = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new VaultClientOptions();
        Address = address;
    }

    /// <summary>The gateway's address.</summary>
    public Uri Address { get; }

    /// <summary>Starts a backup of absolute paths on a node's disk; returns the running job at once.</summary>
    /// <param name="request">Paths, tags, exclude patterns, node (empty = the gateway's node), force.</param>
    /// <param name="cancellationToken">Cancels the call (not the job).</param>
    public Task<Job> StartBackupAsync(StartBackupRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.StartBackupAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Starts a restore of a snapshot (id, unique prefix or "latest") into an absolute directory on a node.</summary>
    public Task<Job> StartRestoreAsync(StartRestoreRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.StartRestoreAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>The current state of a job.</summary>
    /// <param name="id">The job id.</param>
    /// <param name="node">The node that runs the job; empty = the gateway's node.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<Job> GetJobAsync(string id, string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetJobAsync(new GetJobRequest { Id = id, Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Asks the node to cancel a job; returns its state afterwards.</summary>
    public Task<Job> CancelJobAsync(string id, string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.CancelJobAsync(new CancelJobRequest { Id = id, Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>
    /// The job's state, repeatedly, until it ends: the last element is the final state. Resumes watching
    /// when the gateway is briefly unavailable.
    /// </summary>
    public async IAsyncEnumerable<Job> WatchJobAsync(string id, string node = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new WatchJobRequest { Id = id, Node = node, IntervalMs = (int)_options.WatchInterval.TotalMilliseconds };
        var failures = 0;
        while (true)
        {
            using var call = _client.WatchJob(request, cancellationToken: cancellationToken);
            var finished = false;
            while (true)
            {
                Job job;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken))
                    {
                        break;
                    }

                    job = call.ResponseStream.Current;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && ++failures < Math.Max(1, _options.ReadAttempts))
                {
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException e)
                {
                    throw VaultClientException.From(e);
                }

                failures = 0;
                yield return job;
                if (job.State != JobState.Running)
                {
                    finished = true;
                    break;
                }
            }

            if (finished)
            {
                yield break;
            }

            await Task.Delay(RetryDelay(failures), cancellationToken);
        }
    }

    /// <summary>Waits for a job to end and returns its final state (whatever it is).</summary>
    public async Task<Job> WaitForJobAsync(string id, string node = "", CancellationToken cancellationToken = default)
    {
        Job? last = null;
        await foreach (var job in WatchJobAsync(id, node, cancellationToken))
        {
            last = job;
        }

        return last ?? await GetJobAsync(id, node, cancellationToken);
    }

    /// <summary>Committed snapshots, oldest first, optionally filtered (empty = no filter); every page is fetched.</summary>
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string node = "", string tag = "", string path = "", CancellationToken cancellationToken = default)
    {
        var all = new List<Snapshot>();
        var token = "";
        do
        {
            var request = new ListSnapshotsRequest { Node = node, Tag = tag, Path = path, PageToken = token };
            var response = await CallAsync(() => _client.ListSnapshotsAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);
            all.AddRange(response.Snapshots);
            token = response.NextPageToken;
        }
        while (token.Length > 0);

        return all;
    }

    /// <summary>
    /// Backs up everything <paramref name="source"/> yields as a snapshot holding one file "/<paramref name="name"/>".
    /// The stream is read as the gateway accepts data (gRPC flow control), so memory stays bounded. If reading
    /// fails or the call is cancelled, nothing is committed.
    /// </summary>
    public async Task<Snapshot> BackupStreamAsync(Stream source, string name, IEnumerable<string>? tags = null, string node = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var size = Math.Clamp(_options.UploadMessageBytes, 64 * 1024, 4 * 1024 * 1024);
        try
        {
            using var call = _client.BackupStream(cancellationToken: cancellationToken);
            try
            {
                var first = new BackupStreamChunk { Name = name, Node = node };
                first.Tags.AddRange(tags ?? []);
                await call.RequestStream.WriteAsync(first, cancellationToken);
                var buffer = new byte[size];
                long total = 0;
                while (true)
                {
                    var filled = 0;
                    int read;
                    while (filled < buffer.Length && (read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
                    {
                        filled += read;
                    }

                    if (filled == 0)
                    {
                        break;
                    }

                    total += filled;
                    await call.RequestStream.WriteAsync(new BackupStreamChunk { Data = Google.Protobuf.ByteString.CopyFrom(buffer, 0, filled) }, cancellationToken);
                }

                await call.RequestStream.WriteAsync(new BackupStreamChunk { Complete = true, TotalSize = total }, cancellationToken);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // The server ended the call while this side was still writing (it refused the first message, or a
                // stage failed): a write then fails with a bare CANCELLED; the server's own status is the answer.
                await call.ResponseAsync;
                throw;
            }

            return await call.ResponseAsync;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            throw VaultClientException.From(e);
        }
    }

    /// <summary>Writes the bytes of a file of a snapshot to <paramref name="destination"/>, in order, as they arrive.</summary>
    /// <returns>The number of bytes written.</returns>
    public async Task<long> DumpAsync(string snapshot, string path, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        long total = 0;
        try
        {
            using var call = _client.Dump(new DumpRequest { Snapshot = snapshot, Path = path }, cancellationToken: cancellationToken);
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var data = call.ResponseStream.Current.Data.Memory;
                await destination.WriteAsync(data, cancellationToken);
                total += data.Length;
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException e)
        {
            throw VaultClientException.From(e);
        }

        return total;
    }

    /// <summary>Creates an API key; the response's token is shown only this once.</summary>
    public Task<CreateApiKeyResponse> CreateApiKeyAsync(string name, Role role, CancellationToken cancellationToken = default) =>
        CreateApiKeyAsync(name, role, expires: null, cancellationToken);

    /// <summary>Creates an API key that stops authenticating at <paramref name="expires"/> (null: never).</summary>
    public Task<CreateApiKeyResponse> CreateApiKeyAsync(string name, Role role, DateTimeOffset? expires, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.CreateApiKeyAsync(new CreateApiKeyRequest { Name = name, Role = role, Expires = expires is { } e ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(e) : null }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Revokes an API key: its token stops working at once.</summary>
    public Task<ApiKey> RevokeApiKeyAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RevokeApiKeyAsync(new RevokeApiKeyRequest { Name = name }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Every API key, revoked ones included (without tokens).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.ListApiKeysAsync(new ListApiKeysRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken)).Keys;

    /// <summary>The newest audit entries, newest first (at most <paramref name="limit"/>; 0 = 100).</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(int limit = 0, CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.ListAuditAsync(new ListAuditRequest { Limit = limit }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken)).Entries;

    /// <summary>A new token for an API key; the old one stays valid for <paramref name="overlap"/>.</summary>
    public Task<CreateApiKeyResponse> RotateApiKeyAsync(string name, TimeSpan overlap, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RotateApiKeyAsync(new RotateApiKeyRequest { Name = name, OverlapSeconds = (long)overlap.TotalSeconds }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Re-wraps the repository's master key under a new password (admin); returns where the key lives.</summary>
    public async Task<string> ChangePasswordAsync(string oldPassword, string newPassword, CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.ChangePasswordAsync(new ChangePasswordRequest { OldPassword = oldPassword, NewPassword = newPassword }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken)).KeyStore;

    /// <summary>One snapshot by id, unique id prefix, or "latest".</summary>
    public Task<Snapshot> GetSnapshotAsync(string reference, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetSnapshotAsync(new GetSnapshotRequest { Id = reference }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>
    /// The entries of a snapshot at and below <paramref name="path"/> ("/" or empty = everything), depth first;
    /// only direct children when <paramref name="recursive"/> is false.
    /// </summary>
    public async IAsyncEnumerable<FileEntry> ListFilesAsync(string snapshot, string path = "/", bool recursive = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = new ListFilesRequest { Snapshot = snapshot, Path = path, NonRecursive = !recursive };
        var attempt = 0;
        var received = false;
        while (true)
        {
            using var call = _client.ListFiles(request, cancellationToken: cancellationToken);
            var retry = false;
            while (true)
            {
                FileEntry entry;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken))
                    {
                        yield break;
                    }

                    entry = call.ResponseStream.Current;
                }
                catch (RpcException e) when (!received && e.StatusCode == StatusCode.Unavailable && ++attempt < Math.Max(1, _options.ReadAttempts))
                {
                    // Nothing was yielded yet, so the listing can start over.
                    retry = true;
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException e)
                {
                    throw VaultClientException.From(e);
                }

                received = true;
                yield return entry;
            }

            if (!retry)
            {
                yield break;
            }

            await Task.Delay(RetryDelay(attempt), cancellationToken);
        }
    }

    /// <summary>Starts a garbage collection run (or returns the one in progress).</summary>
    public Task<GcStatus> RunGcAsync(RunGcRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RunGcAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>The garbage collection run in progress (if any) and the last finished one.</summary>
    public Task<GcStatus> GetGcStatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetGcStatusAsync(new GetGcStatusRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Polls until the run <paramref name="runId"/> has ended; returns it.</summary>
    public async Task<GcRun> WaitForGcAsync(string runId, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var status = await GetGcStatusAsync(cancellationToken);
            if (status.Current?.RunId != runId && status.Last?.RunId == runId)
            {
                return status.Last;
            }

            if (status.Current?.RunId != runId)
            {
                throw new InvalidOperationException($"GC run {runId} is neither running nor the last run (another run replaced it)");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Version, repository, snapshot count and nodes of the cluster.</summary>
    public Task<GetStatusResponse> GetStatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>The failover controller of one service, or of every configured service when <paramref name="service"/> is empty.</summary>
    public async Task<IReadOnlyList<FailoverStatus>> GetFailoverStatusAsync(string service = "", CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.GetFailoverStatusAsync(new GetFailoverStatusRequest { Service = service }, cancellationToken: cancellationToken).ResponseAsync,
            idempotent: true, cancellationToken)).Services;

    /// <summary>A service's failover audit trail, oldest first; <paramref name="limit"/> newest entries (0 = all kept).</summary>
    public async Task<IReadOnlyList<FailoverAuditEntry>> GetFailoverHistoryAsync(string service, int limit = 0, CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.GetFailoverHistoryAsync(new GetFailoverHistoryRequest { Service = service, Limit = limit }, cancellationToken: cancellationToken).ResponseAsync,
            idempotent: true, cancellationToken)).Entries;

    /// <summary>Planned switchover; returns once the steps finished or halted. Never retried (not idempotent).</summary>
    public Task<FailoverStatus> SwitchoverAsync(SwitchoverRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.SwitchoverAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Operator failover (with <c>Force</c> to override the healthy-primary, lag and block-period checks).</summary>
    public Task<FailoverStatus> FailoverAsync(FailoverRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.FailoverAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Stops automatic failover of a service (monitoring continues).</summary>
    public Task<FailoverStatus> PauseFailoverAsync(string service, string operatorName = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.PauseFailoverAsync(new PauseFailoverRequest { Service = service, Operator = operatorName }, cancellationToken: cancellationToken).ResponseAsync,
            idempotent: true, cancellationToken);

    /// <summary>Resumes automatic failover of a service and retries a halted step.</summary>
    public Task<FailoverStatus> ResumeFailoverAsync(string service, string operatorName = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.ResumeFailoverAsync(new ResumeFailoverRequest { Service = service, Operator = operatorName }, cancellationToken: cancellationToken).ResponseAsync,
            idempotent: false, cancellationToken);

    /// <summary>Turns NODE (an old primary) into a replica of the service's current primary; returns once the rejoin has started.</summary>
    public Task<FailoverStatus> RejoinFailoverNodeAsync(string service, string node, string reason = "", string operatorName = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RejoinFailoverNodeAsync(new RejoinFailoverNodeRequest { Service = service, Node = node, Reason = reason, Operator = operatorName }, cancellationToken: cancellationToken).ResponseAsync,
            idempotent: false, cancellationToken);
    /// <summary>Every node of the cluster's roster with its state and figures.</summary>
    public Task<ListPeersResponse> ListPeersAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.ListPeersAsync(new ListPeersRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Starts draining a node; it is marked decommissioned once its packs are on their other owners.</summary>
    public Task<Peer> DecommissionPeerAsync(string node, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.DecommissionPeerAsync(new DecommissionPeerRequest { Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>
    /// Applies a retention policy and/or forgets named snapshots; returns the plan, per group, with the reasons
    /// each kept snapshot is kept. With <c>DryRun</c> nothing changes. Forgotten snapshots leave the catalog;
    /// their data stays until garbage collection. Retried when the gateway is unavailable only if the request
    /// names no snapshot by prefix or "latest" (a retry could then name another one).
    /// </summary>
    public Task<ForgetResponse> ForgetAsync(ForgetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var idempotent = request.DryRun || request.Snapshots.All(s => s.Trim().Length == 32);
        return CallAsync(() => _client.ForgetAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent, cancellationToken);
    }

    /// <summary>
    /// Starts <c>vault check</c> on a node (empty = the gateway's node): the repository's structure, and the data of
    /// <c>ReadDataPercent</c> percent of the packs. Returns the running job; watch it like a backup. It fails with
    /// "check found N problems" when there is any, listed (the first 100) in its warnings.
    /// </summary>
    public Task<Job> StartCheckAsync(StartCheckRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.StartCheckAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);
    /// <summary>Every schedule with its next due time and the outcome of its last attempt.</summary>
    public async Task<IReadOnlyList<Schedule>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(() => _client.ListSchedulesAsync(new ListSchedulesRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken)).Schedules;

    /// <summary>One schedule; <see cref="VaultClientException"/> with NotFound when it does not exist.</summary>
    public Task<Schedule> GetScheduleAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetScheduleAsync(new GetScheduleRequest { Name = name }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Creates or replaces a schedule (the server validates it and names every broken rule). Idempotent.</summary>
    public Task<Schedule> PutScheduleAsync(string name, ScheduleSpec spec, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.PutScheduleAsync(new PutScheduleRequest { Name = name, Spec = spec }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Removes a schedule; returns its last state. A job it started keeps running.</summary>
    public Task<Schedule> DeleteScheduleAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.DeleteScheduleAsync(new DeleteScheduleRequest { Name = name }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Starts the schedule's action now, with its retries; its next due time does not move. Never retried.</summary>
    public Task<Schedule> RunScheduleNowAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.RunScheduleNowAsync(new RunScheduleNowRequest { Name = name }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>A node's notification outbox (empty node: the gateway's): pending, dead-lettered and last error per channel, open conditions.</summary>
    public Task<NotifyStatus> GetNotifyStatusAsync(string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetNotifyStatusAsync(new GetNotifyStatusRequest { Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Sends a test message to one notification channel of a node and returns its first outcome (not retried: each call sends one).</summary>
    public Task<TestNotifyChannelResponse> TestNotifyChannelAsync(string channel, string node = "", CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.TestNotifyChannelAsync(new TestNotifyChannelRequest { Channel = channel, Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: false, cancellationToken);

    /// <summary>Closes the channel when this client created it.</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    private async Task<T> CallAsync<T>(Func<Task<T>> call, bool idempotent, CancellationToken cancellationToken)
    {
        var attempts = idempotent ? Math.Max(1, _options.ReadAttempts) : 1;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < attempts)
            {
                await Task.Delay(RetryDelay(attempt), cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException e)
            {
                throw VaultClientException.From(e);
            }
        }
    }

    private TimeSpan RetryDelay(int attempt) => _options.RetryDelay * Math.Pow(2, Math.Max(0, attempt - 1));
}
