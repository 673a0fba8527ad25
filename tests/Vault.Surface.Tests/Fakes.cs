using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Orleans;
using Orleans.Runtime;
using Vault.Peers;
using Vault.Security;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Surface.Tests;

/// <summary>Hands out the fake grains below by interface and key; everything else is unsupported.</summary>
public sealed class FakeGrainFactory : IGrainFactory
{
    public FakeCatalog Catalog { get; } = new();

    public ConcurrentDictionary<string, FakePeer> Peers { get; } = new();

    public ConcurrentDictionary<string, FakeFailoverController> Controllers { get; } = new();

    public ConcurrentDictionary<string, FakeSchedule> Schedules { get; } = new();

    public FakePeer Peer(string node) => Peers.GetOrAdd(node, n => new FakePeer(n, Catalog));

    public FakeApiKeys Keys { get; } = new();

    public FakeAuditLog Audit { get; } = new();

    public FakeRepositoryKey RepositoryKey { get; } = new();
    public FakeRefusedCalls Refused { get; } = new();

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix)
    {
        object grain = typeof(TGrainInterface) == typeof(ISnapshotCatalogGrain)
            ? primaryKey == "default" ? Catalog : throw new InvalidOperationException($"unexpected catalog key {primaryKey}")
            : typeof(TGrainInterface) == typeof(IPeerGrain) ? Peer(primaryKey)
            : typeof(TGrainInterface) == typeof(Vault.Failover.IFailoverControllerGrain) ? Controllers.GetOrAdd(primaryKey, k => new FakeFailoverController(k, false))
            : typeof(TGrainInterface) == typeof(Vault.Failover.IFailoverRegistryGrain) ? new FakeFailoverRegistry(this)
            : typeof(TGrainInterface) == typeof(IApiKeyGrain) ? Keys
            : typeof(TGrainInterface) == typeof(Vault.Schedules.IScheduleGrain) ? Schedules.GetOrAdd(primaryKey, k => new FakeSchedule(k))
            : typeof(TGrainInterface) == typeof(Vault.Schedules.IScheduleRegistryGrain) ? new FakeScheduleRegistry(Schedules)
            : typeof(TGrainInterface) == typeof(IAuditLogGrain) ? Audit
            : typeof(TGrainInterface) == typeof(IRepositoryKeyGrain) ? RepositoryKey
            : typeof(TGrainInterface) == typeof(IRefusedCallsGrain) ? Refused
            : throw new NotSupportedException(typeof(TGrainInterface).Name);
        return (TGrainInterface)grain;
    }

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix) => throw new NotSupportedException();

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix) => throw new NotSupportedException();

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix) => throw new NotSupportedException();

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix) => throw new NotSupportedException();

    TGrainInterface IGrainFactory.GetGrain<TGrainInterface>(GrainId grainId) => throw new NotSupportedException();

    TGrainObserverInterface IGrainFactory.CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj) => throw new NotSupportedException();

    void IGrainFactory.DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) => throw new NotSupportedException();

    IGrain IGrainFactory.GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => throw new NotSupportedException();

    IGrain IGrainFactory.GetGrain(Type grainInterfaceType, long grainPrimaryKey) => throw new NotSupportedException();

    IGrain IGrainFactory.GetGrain(Type grainInterfaceType, string grainPrimaryKey) => throw new NotSupportedException();

    IGrain IGrainFactory.GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) => throw new NotSupportedException();

    IGrain IGrainFactory.GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) => throw new NotSupportedException();

    IAddressable IGrainFactory.GetGrain(GrainId grainId) => throw new NotSupportedException();

    IAddressable IGrainFactory.GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => throw new NotSupportedException();

    IAddressable IGrainFactory.GetGrain(Type interfaceType, IdSpan grainKey) => throw new NotSupportedException();

    IAddressable IGrainFactory.GetGrain(Type interfaceType, IdSpan grainKey, string grainClassNamePrefix) => throw new NotSupportedException();
}

public sealed class FakeCatalog : ISnapshotCatalogGrain
{
    public List<SnapshotInfo> Snapshots { get; } = [];

    /// <summary>When set, every call throws it (to test error mapping).</summary>
    public Exception? Failure { get; set; }

    public Task AddAsync(SnapshotInfo snapshot)
    {
        lock (Snapshots)
        {
            Snapshots.Add(snapshot);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SnapshotInfo>> ListAsync(string? node = null, string? tag = null, string? path = null)
    {
        ThrowIfFailing();
        lock (Snapshots)
        {
            IReadOnlyList<SnapshotInfo> list = [.. Snapshots.Where(s => Matches(s, node, tag, path))];
            return Task.FromResult(list);
        }
    }

    public Task<SnapshotInfo> ResolveAsync(string reference, string? node = null)
    {
        ThrowIfFailing();
        lock (Snapshots)
        {
            return Task.FromResult(Resolve(reference));
        }
    }

    /// <summary>Forget requests that reached the catalog.</summary>
    public List<Vault.Retention.ForgetRequest> Forgets { get; } = [];

    /// <summary>
    /// A stand-in plan: one group of the filtered snapshots, newest first, where only keep-last is applied
    /// ("last snapshot") and named snapshots are removed ("named"). The real planner is tested with the grains.
    /// </summary>
    public Task<Vault.Retention.ForgetResult> ForgetAsync(Vault.Retention.ForgetRequest request)
    {
        ThrowIfFailing();
        request.Validate();
        lock (Snapshots)
        {
            Forgets.Add(request);
            var named = request.Snapshots.Select(r => Resolve(r).Id).ToHashSet();
            var candidates = Snapshots.Where(s => request.Policy is not null && Matches(s, request.Node, request.Tag, request.Path)).ToList();
            var group = candidates.Concat(Snapshots.Where(s => named.Contains(s.Id))).Distinct().OrderByDescending(s => s.Time)
                .Select((s, i) => named.Contains(s.Id) ? new Vault.Retention.RetentionDecision(s, false, ["named"])
                    : request.Policy is { KeepLast: var n } && (n == -1 || i < n) ? new Vault.Retention.RetentionDecision(s, true, ["last snapshot"])
                    : new Vault.Retention.RetentionDecision(s, false, []))
                .ToList();
            if (!request.DryRun)
            {
                Snapshots.RemoveAll(s => group.Any(d => !d.Keep && d.Snapshot.Id == s.Id));
            }

            IReadOnlyList<Vault.Retention.RetentionGroup> groups = group.Count == 0 ? [] : [new(group[0].Snapshot.Node, group[0].Snapshot.Paths, null, group)];
            return Task.FromResult(new Vault.Retention.ForgetResult(groups, group.Count(d => d.Keep), group.Count(d => !d.Keep), request.DryRun));
        }
    }

    private static bool Matches(SnapshotInfo s, string? node, string? tag, string? path) =>
        (node is null || s.Node == node) && (tag is null || s.Tags.Contains(tag)) && (path is null || s.Paths.Contains(path));

    private SnapshotInfo Resolve(string reference)
    {
        if (reference == "latest")
        {
            return Snapshots.LastOrDefault() ?? throw new SnapshotNotFoundException("the repository has no snapshot");
        }

        var matches = Snapshots.Where(s => s.Id.ToString().StartsWith(reference, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            0 => throw new SnapshotNotFoundException($"no snapshot matches '{reference}'"),
            1 => matches[0],
            _ => throw new AmbiguousSnapshotException($"'{reference}' matches {matches.Count} snapshots"),
        };
    }

    public Task<SnapshotInfo?> TryFindParentAsync(string node, IReadOnlyList<string> paths) => Task.FromResult<SnapshotInfo?>(null);


    private void ThrowIfFailing()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }
    }
}

/// <summary>A node whose jobs run a scripted number of polls; backups add a snapshot to the catalog.</summary>
public sealed class FakePeer(string node, FakeCatalog catalog) : IPeerGrain
{
    private readonly ConcurrentDictionary<JobId, (JobInfo Job, int Polls)> _jobs = new();

    /// <summary>Polls of GetJobAsync before a job finishes; int.MaxValue = never (until cancelled).</summary>
    public int PollsToFinish { get; set; } = 2;

    /// <summary>Errors (unreadable files) the next backup reports.</summary>
    public int BackupErrors { get; set; }

    public string? FailWith { get; set; }

    /// <summary>The code of the failure a job ends with when <see cref="FailWith"/> is set.</summary>
    public ErrorCode FailCode { get; set; } = ErrorCode.Internal;

    public List<BackupRequest> Backups { get; } = [];

    /// <summary>GetJobAsync calls so far: a client watching a job polls it.</summary>
    public int JobPolls => Volatile.Read(ref _jobPolls);

    private int _jobPolls;

    public Task<ProbeResult> ProbeAsync(ProbeRequest request) => Task.FromResult(new ProbeResult(node, true, null, 0));

    public List<RestoreRequest> Restores { get; } = [];

    public List<JobId> Cancelled { get; } = [];

    public List<FileEntryInfo> Files { get; } = [];

    public (SnapshotId Snapshot, string Path, bool Recursive)? LastListing { get; private set; }

    public Task<JobInfo> StartBackupAsync(BackupRequest request)
    {
        lock (Backups)
        {
            Backups.Add(request);
        }

        return Task.FromResult(Start(JobKind.Backup, null));
    }

    public Task<JobInfo> StartRestoreAsync(RestoreRequest request)
    {
        lock (Restores)
        {
            Restores.Add(request);
        }

        return Task.FromResult(Start(JobKind.Restore, request.Snapshot));
    }

    public Task<JobInfo> GetJobAsync(JobId job)
    {
        if (!_jobs.TryGetValue(job, out var entry))
        {
            throw new JobNotFoundException($"node {node} has no job {job}");
        }

        Interlocked.Increment(ref _jobPolls);
        var info = entry.Job;
        if (info.State == JobState.Running)
        {
            var polls = entry.Polls + 1;
            info = polls >= PollsToFinish ? Finish(info) : info with { Progress = info.Progress with { FilesDone = polls, BytesDone = polls * 1024L } };
            _jobs[job] = (info, polls);
        }

        return Task.FromResult(info);
    }

    public Task<IReadOnlyList<JobInfo>> ListJobsAsync() => Task.FromResult<IReadOnlyList<JobInfo>>([.. _jobs.Values.Select(v => v.Job)]);

    public Task CancelJobAsync(JobId job)
    {
        lock (Cancelled)
        {
            Cancelled.Add(job);
        }

        if (_jobs.TryGetValue(job, out var entry) && entry.Job.State == JobState.Running)
        {
            _jobs[job] = (entry.Job with { State = JobState.Cancelled, Finished = DateTimeOffset.UtcNow }, entry.Polls);
        }

        return Task.CompletedTask;
    }

    public Task<PeerInfo> GetInfoAsync() => Task.FromResult(new PeerInfo(node, "silo-1", 3, 3 << 20, 1L << 40, _jobs.Values.Count(v => v.Job.State == JobState.Running), Scrub: Scrub));

    /// <summary>What the node reports about its scrubbing (null: nothing).</summary>
    public Vault.Check.ScrubStatus? Scrub { get; set; }

    public async IAsyncEnumerable<FileEntryInfo> ListFilesAsync(SnapshotId snapshot, string path, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        LastListing = (snapshot, path, recursive);
        foreach (var file in Files)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return file;
        }
    }

    /// <summary>Bytes of stream sessions, by session; committed streams become snapshots whose file content is kept here.</summary>
    public ConcurrentDictionary<JobId, MemoryStream> Streams { get; } = new();

    public ConcurrentDictionary<SnapshotId, byte[]> StreamedFiles { get; } = new();

    public List<JobId> AbortedStreams { get; } = [];

    public Task<JobInfo> BeginStreamAsync(StreamBackupRequest request)
    {
        var job = Start(JobKind.Backup, null);
        Streams[job.Id] = new MemoryStream();
        _names[job.Id] = request;
        return Task.FromResult(job);
    }

    public Task AppendStreamAsync(JobId session, DataSegment segment)
    {
        if (!Streams.TryGetValue(session, out var stream))
        {
            throw new JobNotFoundException($"no stream session {session}");
        }

        stream.Write(segment.Data);
        return Task.CompletedTask;
    }

    public Task<SnapshotInfo> CompleteStreamAsync(JobId session, long totalSize)
    {
        if (!Streams.TryRemove(session, out var stream))
        {
            throw new JobNotFoundException($"no stream session {session}");
        }

        if (totalSize != 0 && totalSize != stream.Length)
        {
            throw new StreamTruncatedException($"received {stream.Length} bytes, announced {totalSize}");
        }

        var request = _names[session];
        var snapshot = new SnapshotInfo(SnapshotId.New(), node, "host-" + node, ["/" + request.Name], request.Tags, DateTimeOffset.UtcNow, null,
            new ChunkId(new Hash256(1, 2, 3, 5)), new SnapshotStats(1, 1, 0, stream.Length, stream.Length, stream.Length, 1, 0, 0, 0.1),
            SnapshotState.Committed, false);
        StreamedFiles[snapshot.Id] = stream.ToArray();
        catalog.AddAsync(snapshot);
        return Task.FromResult(snapshot);
    }

    public Task AbortStreamAsync(JobId session, string reason)
    {
        if (Streams.TryRemove(session, out _))
        {
            lock (AbortedStreams)
            {
                AbortedStreams.Add(session);
            }
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<DataSegment> ReadFileAsync(SnapshotId snapshot, string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!StreamedFiles.TryGetValue(snapshot, out var bytes))
        {
            throw new NotFoundException($"path {path} does not exist in snapshot {snapshot.Short}");
        }

        for (var offset = 0; offset < bytes.Length; offset += 3 * 1024 * 1024)
        {
            await Task.Yield();
            yield return new DataSegment(bytes[offset..Math.Min(bytes.Length, offset + (3 * 1024 * 1024))]);
        }
    }

    private readonly ConcurrentDictionary<JobId, StreamBackupRequest> _names = new();

    private JobInfo Start(JobKind kind, SnapshotId? snapshot)
    {
        var job = new JobInfo(JobId.New(), kind, JobState.Running, node, DateTimeOffset.UtcNow, null,
            new JobProgress(0, 10, 0, 10240, 0, 0, 0, 0, 0, 0, true), snapshot, null, []);
        _jobs[job.Id] = (job, 0);
        return job;
    }

    private JobInfo Finish(JobInfo job)
    {
        var finished = DateTimeOffset.UtcNow;
        if (FailWith is { } failure)
        {
            return FailCode == ErrorCode.Cancelled
                ? job with { State = JobState.Cancelled, Finished = finished, Error = failure, Failure = new JobFailure(ErrorCode.Cancelled, failure) }
                : job with { State = JobState.Failed, Finished = finished, Error = failure, Failure = new JobFailure(FailCode, failure) };
        }

        if (job.Kind == JobKind.Check)
        {
            var problems = Enumerable.Range(0, CheckProblems).Select(i => $"pack {i:x64} is referenced by the index but on no node").ToArray();
            return job with
            {
                State = problems.Length > 0 ? JobState.Failed : JobState.Succeeded,
                Finished = finished,
                Progress = job.Progress with { FilesDone = 10, BytesDone = 10240, Errors = problems.Length },
                Error = problems.Length > 0 ? $"check found {problems.Length} problems" : null,
                Warnings = problems,
            };
        }

        var errors = job.Kind == JobKind.Backup ? BackupErrors : 0;
        var progress = job.Progress with { FilesDone = 10, BytesDone = 10240, BytesNew = 4096, BytesStored = 2048, FilesUnchanged = 4, Errors = errors };
        var warnings = Enumerable.Range(0, errors).Select(i => $"/data/locked{i}: permission denied").ToArray();
        if (job.Kind == JobKind.Restore)
        {
            return job with { State = JobState.Succeeded, Finished = finished, Progress = progress };
        }

        var snapshot = new SnapshotInfo(SnapshotId.New(), node, "host-" + node, ["/data"], ["daily"], finished, null,
            new ChunkId(new Hash256(1, 2, 3, 4)), new SnapshotStats(10, 2, 4, 10240, 4096, 2048, 3, 1, errors, 1.5),
            SnapshotState.Committed, errors > 0);
        catalog.AddAsync(snapshot);
        return job with { State = JobState.Succeeded, Finished = finished, Progress = progress, Snapshot = snapshot.Id, Warnings = warnings };
    }

    public Task StorePackAsync(PackId pack, byte[] bytes) => throw new NotSupportedException();

    public Task<byte[]> ReadPackAsync(PackId pack) => throw new NotSupportedException();

    public Task<byte[]> ReadPackRangeAsync(PackId pack, long offset, int length) => throw new NotSupportedException();

    public Task<bool[]> HasPacksAsync(PackId[] packs) => Task.FromResult(new bool[packs.Length]);

    // Garbage collection runs between grains, never through the gateway's peer calls.
    public Task<JobInfo> StartGcAsync(Vault.Retention.GcJobRequest request) => throw new NotSupportedException();

    public IAsyncEnumerable<PackId> ListPacksAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Vault.Chunks.IndexEntry[]> ReadPackEntriesAsync(PackId pack) => throw new NotSupportedException();

    public Task<long[]> TrashPacksAsync(PackId[] packs) => throw new NotSupportedException();

    public Task<long[]> EmptyTrashAsync(TimeSpan olderThan) => throw new NotSupportedException();

    public List<Vault.Retention.CheckRequest> Checks { get; } = [];

    /// <summary>Problems the next check finds (it then fails with "check found N problems").</summary>
    public int CheckProblems { get; set; }

    public Task<JobInfo> StartCheckAsync(Vault.Retention.CheckRequest request)
    {
        lock (Checks)
        {
            Checks.Add(request);
        }

        return Task.FromResult(Start(JobKind.Check, null));
    }
}

public sealed class FakeFailoverRegistry(FakeGrainFactory grains) : Vault.Failover.IFailoverRegistryGrain
{
    public Task AddAsync(string service) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>(grains.Controllers.Where(c => c.Value.Configured).Select(c => c.Key).Order(StringComparer.Ordinal).ToList());
}

/// <summary>A controller that records commands; <see cref="RefuseWith"/> makes failover and switchover refuse.</summary>
public sealed class FakeFailoverController(string service, bool configured) : Vault.Failover.IFailoverControllerGrain
{
    public bool Configured { get; set; } = configured;

    public string? RefuseWith { get; set; }

    public List<Vault.Failover.FailoverCommand> Commands { get; } = [];

    public Vault.Failover.FailoverStatus Status { get; set; } = new(service, Vault.Failover.FailoverEngine.PostgreSql, configured, Vault.Failover.FailoverMode.Automatic,
        false, Vault.Failover.FailoverPhase.Monitoring, null, false, 2, "pg1", null, 0,
        [new("pg1", true, Vault.Failover.NodeRole.Primary, 1000, null, 0, false, null, DateTimeOffset.UnixEpoch),
         new("pg2", true, Vault.Failover.NodeRole.Replica, 900, 100, 0.5, true, null, DateTimeOffset.UnixEpoch)],
        [], null, null, null, "silo-1");

    public Task ConfigureAsync(Vault.Failover.FailoverServiceSpec spec) => Task.CompletedTask;

    public Task<Vault.Failover.FailoverStatus> GetStatusAsync() => Task.FromResult(Status with { Configured = Configured });

    public Task<IReadOnlyList<Vault.Failover.FailoverAuditEntry>> GetHistoryAsync(int limit) => Task.FromResult<IReadOnlyList<Vault.Failover.FailoverAuditEntry>>(
        [new(DateTimeOffset.UnixEpoch, 2, "decision", Vault.Failover.FailoverPhase.Fencing, "failover from pg0 to pg1", "ok", 0)]);

    public Task<Vault.Failover.FailoverStatus> SwitchoverAsync(Vault.Failover.FailoverCommand command) => ActAsync(command);

    public Task<Vault.Failover.FailoverStatus> FailoverAsync(Vault.Failover.FailoverCommand command) => ActAsync(command);

    public Task<Vault.Failover.FailoverStatus> PauseAsync(string operatorName) => Task.FromResult(Status = Status with { Paused = true });

    public Task<Vault.Failover.FailoverStatus> ResumeAsync(string operatorName) => Task.FromResult(Status = Status with { Paused = false });

    public List<Vault.Failover.RejoinCommand> Rejoins { get; } = [];

    public Task<Vault.Failover.FailoverStatus> RejoinAsync(Vault.Failover.RejoinCommand command)
    {
        if (!Configured)
        {
            throw new FailoverServiceNotFoundException($"failover service '{service}' is not configured");
        }

        Rejoins.Add(command);
        return Task.FromResult(Status = Status with { Phase = Vault.Failover.FailoverPhase.RejoinStopping, Kind = Vault.Failover.FailoverKind.Rejoin, Target = command.Node });
    }

    private Task<Vault.Failover.FailoverStatus> ActAsync(Vault.Failover.FailoverCommand command)
    {
        if (!Configured)
        {
            throw new FailoverServiceNotFoundException($"failover service '{service}' is not configured");
        }

        if (RefuseWith is not null)
        {
            throw new FailoverRefusedException(RefuseWith);
        }

        Commands.Add(command);
        return Task.FromResult(Status = Status with { Primary = command.To ?? "pg2", Epoch = Status.Epoch + 1 });
    }
}

public sealed class FakeApiKeys : IApiKeyGrain
{
    private readonly List<(ApiKeyInfo Info, string Hash, string? Previous)> _keys = [];

    public Task<ApiKeyInfo> CreateAsync(string name, ApiRole role, string tokenHash, string createdBy, DateTimeOffset? expires = null)
    {
        lock (_keys)
        {
            if (expires is { } end && end <= DateTimeOffset.UtcNow)
            {
                throw new InvalidRequestException($"the expiry {end:u} of key '{name}' is not in the future");
            }

            if (_keys.Any(k => k.Info.Name == name && k.Info.Revoked is null))
            {
                throw new InvalidRequestException($"an API key named '{name}' exists already");
            }

            var info = new ApiKeyInfo(name, role, DateTimeOffset.UtcNow, createdBy, null, Expires: expires);
            _keys.Add((info, tokenHash, null));
            return Task.FromResult(info);
        }
    }

    public Task<ApiKeyInfo> RevokeAsync(string name)
    {
        lock (_keys)
        {
            var at = _keys.FindIndex(k => k.Info.Name == name && k.Info.Revoked is null);
            if (at < 0)
            {
                throw new NotFoundException($"no active API key is named '{name}'");
            }

            _keys[at] = (_keys[at].Info with { Revoked = DateTimeOffset.UtcNow }, _keys[at].Hash, null);
            return Task.FromResult(_keys[at].Info);
        }
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync()
    {
        lock (_keys)
        {
            return Task.FromResult<IReadOnlyList<ApiKeyInfo>>([.. _keys.Select(k => k.Info)]);
        }
    }

    public Task<ApiKeyInfo?> TryAuthenticateAsync(string tokenHash)
    {
        lock (_keys)
        {
            var now = DateTimeOffset.UtcNow;
            return Task.FromResult(_keys.Where(k => k.Info.Revoked is null && !(k.Info.Expires <= now) && (k.Hash == tokenHash || (k.Previous == tokenHash && k.Info.PreviousTokenValidUntil > now)))
                .Select(k => k.Info).FirstOrDefault());
        }
    }

    public Task<ApiKeyInfo> RotateAsync(string name, string newTokenHash, DateTimeOffset previousValidUntil)
    {
        lock (_keys)
        {
            var at = _keys.FindIndex(k => k.Info.Name == name && k.Info.Revoked is null);
            if (at < 0)
            {
                throw new NotFoundException($"no active API key is named '{name}'");
            }

            var overlap = previousValidUntil > DateTimeOffset.UtcNow;
            _keys[at] = (_keys[at].Info with { PreviousTokenValidUntil = overlap ? previousValidUntil : null }, newTokenHash, overlap ? _keys[at].Hash : null);
            return Task.FromResult(_keys[at].Info);
        }
    }
}

/// <summary>The repository key store as the gateway sees it: checks the old password, keeps the new one.</summary>
public sealed class FakeRepositoryKey : IRepositoryKeyGrain
{
    public string Password { get; private set; } = "repository password";

    public Task<string> ChangePasswordAsync(string oldPassword, string newPassword)
    {
        if (oldPassword != Password)
        {
            throw new InvalidRequestException("the old password does not open the repository key; nothing was changed");
        }

        Password = newPassword;
        return Task.FromResult("data directory");
    }
}

public sealed class FakeAuditLog : IAuditLogGrain
{
    public List<AuditRecord> Records { get; } = [];

    public Task AppendAsync(AuditRecord record)
    {
        lock (Records)
        {
            Records.Add(record);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> ListAsync(int limit)
    {
        lock (Records)
        {
            return Task.FromResult<IReadOnlyList<AuditRecord>>([.. Enumerable.Reverse(Records).Take(limit)]);
        }
    }
}
