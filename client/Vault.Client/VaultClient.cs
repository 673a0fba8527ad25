using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Vault.V1;

namespace Vault.Client;

/// <summary>
/// Typed access to a Vault gateway over gRPC. Plain <c>http://</c> addresses use HTTP/2 without TLS.
/// Every failure surfaces as a <see cref="VaultClientException"/>. Thread-safe; dispose it to close the channel it owns.
/// </summary>
public sealed class VaultClient : IDisposable
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

        _ownedChannel = GrpcChannel.ForAddress(address);
        _client = new VaultService.VaultServiceClient(_ownedChannel);
        _options = options ?? new VaultClientOptions();
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

    /// <summary>Committed snapshots, oldest first, optionally filtered (empty = no filter).</summary>
    public async Task<IReadOnlyList<Snapshot>> ListSnapshotsAsync(string node = "", string tag = "", string path = "", CancellationToken cancellationToken = default)
    {
        var request = new ListSnapshotsRequest { Node = node, Tag = tag, Path = path };
        var response = await CallAsync(() => _client.ListSnapshotsAsync(request, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);
        return response.Snapshots;
    }

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

    /// <summary>Version, repository, snapshot count and nodes of the cluster.</summary>
    public Task<GetStatusResponse> GetStatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Every node of the cluster's roster with its state and figures.</summary>
    public Task<ListPeersResponse> ListPeersAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.ListPeersAsync(new ListPeersRequest(), cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

    /// <summary>Starts draining a node; it is marked decommissioned once its packs are on their other owners.</summary>
    public Task<Peer> DecommissionPeerAsync(string node, CancellationToken cancellationToken = default) =>
        CallAsync(() => _client.DecommissionPeerAsync(new DecommissionPeerRequest { Node = node }, cancellationToken: cancellationToken).ResponseAsync, idempotent: true, cancellationToken);

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
