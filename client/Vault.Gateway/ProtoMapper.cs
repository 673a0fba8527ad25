using Google.Protobuf.WellKnownTypes;
using Vault.Peers;
using Vault.Snapshots;
using Vault.Storage;

namespace Vault.Gateway;

/// <summary>Maps grain records to proto messages and back. The only place that knows both shapes.</summary>
public static class ProtoMapper
{
    private const long NanosPerSecond = 1_000_000_000;

    // ---- jobs ----

    public static V1.Job ToProto(JobInfo job)
    {
        var message = new V1.Job
        {
            Id = job.Id.ToString(),
            Kind = ToProto(job.Kind),
            State = ToProto(job.State),
            Node = job.Node,
            Started = Timestamp.FromDateTimeOffset(job.Started),
            Progress = ToProto(job.Progress),
            Snapshot = job.Snapshot?.ToString() ?? "",
            Error = job.Error ?? "",
        };
        if (job.Finished is { } finished)
        {
            message.Finished = Timestamp.FromDateTimeOffset(finished);
        }

        message.Warnings.AddRange(job.Warnings);
        if (job.Failure is { } failure)
        {
            message.Failure = ToProto(failure);
        }

        return message;
    }

    public static V1.JobFailure ToProto(JobFailure failure) => new()
    {
        Code = ErrorTable.Name(failure.Code),
        Message = failure.Message,
        Status = (int)GatewayErrors.ToStatusCode(failure.Code),
    };

    public static JobInfo FromProto(V1.Job job) => new(
        ParseJobId(job.Id),
        FromProto(job.Kind),
        FromProto(job.State),
        job.Node,
        job.Started?.ToDateTimeOffset() ?? default,
        job.Finished?.ToDateTimeOffset(),
        FromProto(job.Progress ?? new V1.JobProgress()),
        job.Snapshot.Length == 0 ? null : ParseSnapshotId(job.Snapshot),
        job.Error.Length == 0 ? null : job.Error,
        [.. job.Warnings],
        job.Failure is { } failure ? new JobFailure(ErrorTable.FromName(failure.Code), failure.Message) : null);

    public static V1.JobProgress ToProto(JobProgress progress) => new()
    {
        FilesDone = progress.FilesDone,
        FilesTotal = progress.FilesTotal,
        BytesDone = progress.BytesDone,
        BytesTotal = progress.BytesTotal,
        BytesNew = progress.BytesNew,
        BytesStored = progress.BytesStored,
        FilesUnchanged = progress.FilesUnchanged,
        ChunksNew = progress.ChunksNew,
        ChunksDeduplicated = progress.ChunksDeduplicated,
        Errors = progress.Errors,
        TotalsKnown = progress.TotalsKnown,
    };

    public static JobProgress FromProto(V1.JobProgress p) => new(
        p.FilesDone, p.FilesTotal, p.BytesDone, p.BytesTotal, p.BytesNew, p.BytesStored,
        p.FilesUnchanged, p.ChunksNew, p.ChunksDeduplicated, p.Errors, p.TotalsKnown);

    public static V1.JobKind ToProto(JobKind kind) => kind switch
    {
        JobKind.Backup => V1.JobKind.Backup,
        JobKind.Restore => V1.JobKind.Restore,
        JobKind.Gc => V1.JobKind.Gc,
        JobKind.Check => V1.JobKind.Check,
        _ => V1.JobKind.Unspecified,
    };

    public static JobKind FromProto(V1.JobKind kind) => kind switch
    {
        V1.JobKind.Backup => JobKind.Backup,
        V1.JobKind.Restore => JobKind.Restore,
        V1.JobKind.Gc => JobKind.Gc,
        V1.JobKind.Check => JobKind.Check,
        _ => throw new FormatException($"job kind {kind} is not valid"),
    };

    public static V1.JobState ToProto(JobState state) => state switch
    {
        JobState.Running => V1.JobState.Running,
        JobState.Succeeded => V1.JobState.Succeeded,
        JobState.Failed => V1.JobState.Failed,
        JobState.Cancelled => V1.JobState.Cancelled,
        _ => V1.JobState.Unspecified,
    };

    public static JobState FromProto(V1.JobState state) => state switch
    {
        V1.JobState.Running => JobState.Running,
        V1.JobState.Succeeded => JobState.Succeeded,
        V1.JobState.Failed => JobState.Failed,
        V1.JobState.Cancelled => JobState.Cancelled,
        _ => throw new FormatException($"job state {state} is not valid"),
    };

    // ---- snapshots ----

    public static V1.Snapshot ToProto(SnapshotInfo snapshot)
    {
        var message = new V1.Snapshot
        {
            Id = snapshot.Id.ToString(),
            ShortId = snapshot.Id.Short,
            Node = snapshot.Node,
            Hostname = snapshot.Hostname,
            Time = Timestamp.FromDateTimeOffset(snapshot.Time),
            Parent = snapshot.Parent?.ToString() ?? "",
            Root = snapshot.Root.ToString(),
            Stats = ToProto(snapshot.Stats),
            Incomplete = snapshot.Incomplete,
        };
        message.Paths.AddRange(snapshot.Paths);
        message.Tags.AddRange(snapshot.Tags);
        return message;
    }

    /// <summary>The proto carries committed snapshots only, so the state comes back as committed.</summary>
    public static SnapshotInfo FromProto(V1.Snapshot s) => new(
        ParseSnapshotId(s.Id),
        s.Node,
        s.Hostname,
        [.. s.Paths],
        [.. s.Tags],
        s.Time?.ToDateTimeOffset() ?? default,
        s.Parent.Length == 0 ? null : ParseSnapshotId(s.Parent),
        ChunkId.Parse(s.Root),
        FromProto(s.Stats ?? new V1.SnapshotStats()),
        SnapshotState.Committed,
        s.Incomplete);

    public static V1.SnapshotStats ToProto(SnapshotStats stats) => new()
    {
        Files = stats.Files,
        Directories = stats.Directories,
        FilesUnchanged = stats.FilesUnchanged,
        BytesTotal = stats.BytesTotal,
        BytesNew = stats.BytesNew,
        BytesStored = stats.BytesStored,
        ChunksNew = stats.ChunksNew,
        ChunksDeduplicated = stats.ChunksDeduplicated,
        Errors = stats.Errors,
        DurationSeconds = stats.DurationSeconds,
    };

    public static SnapshotStats FromProto(V1.SnapshotStats s) => new(
        s.Files, s.Directories, s.FilesUnchanged, s.BytesTotal, s.BytesNew, s.BytesStored,
        s.ChunksNew, s.ChunksDeduplicated, s.Errors, s.DurationSeconds);

    // ---- files ----

    public static V1.FileEntry ToProto(FileEntryInfo entry) => new()
    {
        Path = entry.Path,
        Type = entry.Type switch
        {
            NodeType.File => V1.FileType.File,
            NodeType.Directory => V1.FileType.Directory,
            NodeType.Symlink => V1.FileType.Symlink,
            _ => V1.FileType.Unspecified,
        },
        Mode = entry.Mode,
        Size = entry.Size,
        Mtime = FromUnixNanoseconds(entry.MTimeNs),
        LinkTarget = entry.LinkTarget ?? "",
        Uid = entry.Uid,
        Gid = entry.Gid,
    };

    public static FileEntryInfo FromProto(V1.FileEntry e) => new(
        e.Path,
        e.Type switch
        {
            V1.FileType.File => NodeType.File,
            V1.FileType.Directory => NodeType.Directory,
            V1.FileType.Symlink => NodeType.Symlink,
            _ => throw new FormatException($"file type {e.Type} is not valid"),
        },
        e.Mode,
        e.Size,
        e.Mtime is null ? 0 : ToUnixNanoseconds(e.Mtime),
        e.LinkTarget.Length == 0 ? null : e.LinkTarget,
        e.Uid,
        e.Gid);

    public static Timestamp FromUnixNanoseconds(long nanoseconds)
    {
        var seconds = nanoseconds / NanosPerSecond;
        var nanos = nanoseconds % NanosPerSecond;
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }

        return new Timestamp { Seconds = seconds, Nanos = (int)nanos };
    }

    public static long ToUnixNanoseconds(Timestamp timestamp) => (timestamp.Seconds * NanosPerSecond) + timestamp.Nanos;

    // ---- peers ----

    public static V1.NodeStatus ToProto(PeerInfo peer) => new()
    {
        Node = peer.Node,
        Silo = peer.Silo,
        PackCount = peer.PackCount,
        UsedBytes = peer.UsedBytes,
        FreeBytes = peer.FreeBytes,
        RunningJobs = peer.RunningJobs,
        Scrub = peer.Scrub is { } scrub ? ToProto(scrub) : null,
    };

    public static V1.ScrubStatus ToProto(Check.ScrubStatus scrub)
    {
        var proto = new V1.ScrubStatus
        {
            Enabled = scrub.Enabled,
            Coverage = scrub.Coverage,
            CorruptFound = scrub.CorruptFound,
            Repaired = scrub.Repaired,
        };
        if (scrub.Surveyed is { } surveyed)
        {
            proto.Surveyed = Timestamp.FromDateTimeOffset(surveyed);
        }

        if (scrub.LastCycleCompleted is { } last)
        {
            proto.LastCycleCompleted = Timestamp.FromDateTimeOffset(last);
        }

        proto.Unrepaired.AddRange(scrub.Unrepaired.Select(p => p.ToString()));
        return proto;
    }

    public static V1.Peer ToProto(RosterEntry entry) => new()
    {
        Node = entry.Node,
        State = entry.Membership switch
        {
            NodeMembership.Decommissioning => "decommissioning",
            NodeMembership.Decommissioned => "decommissioned",
            _ => entry.Up ? "up" : "down",
        },
    };

    public static void AddInfo(V1.Peer peer, PeerInfo info)
    {
        peer.Silo = info.Silo;
        peer.PackCount = info.PackCount;
        peer.UsedBytes = info.UsedBytes;
        peer.FreeBytes = info.FreeBytes;
        peer.RunningJobs = info.RunningJobs;
        peer.UnderReplicated = info.UnderReplicated;
        if (info.LastRepair is { } last)
        {
            peer.LastRepair = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(last);
        }
    }

    // ---- ids ----

    /// <summary>Parses a job id; throws <see cref="FormatException"/> with a message fit for the caller.</summary>
    public static JobId ParseJobId(string text, string field = "id") =>
        JobId.TryParse(text, out var id) ? id : throw new FormatException(
            text.Length == 0 ? $"{field} is required" : $"{field} '{text}' is not a job id (32 hex digits)");

    public static SnapshotId ParseSnapshotId(string text) => SnapshotId.Parse(text);
}

/// <summary>Maps the security records (keys, audit) to proto messages.</summary>
public static class SecurityMapper
{
    public static V1.Role ToProto(Security.ApiRole role) => role switch
    {
        Security.ApiRole.Reader => V1.Role.Reader,
        Security.ApiRole.Operator => V1.Role.Operator,
        Security.ApiRole.Admin => V1.Role.Admin,
        Security.ApiRole.AppendOnly => V1.Role.AppendOnly,
        _ => V1.Role.Unspecified,
    };

    /// <summary>The role as the CLI and messages spell it.</summary>
    public static string RoleName(Security.ApiRole role) => role == Security.ApiRole.AppendOnly ? "append-only" : role.ToString().ToLowerInvariant();

    public static Security.ApiRole FromProto(V1.Role role) => role switch
    {
        V1.Role.Reader => Security.ApiRole.Reader,
        V1.Role.Operator => Security.ApiRole.Operator,
        V1.Role.Admin => Security.ApiRole.Admin,
        V1.Role.AppendOnly => Security.ApiRole.AppendOnly,
        _ => throw new InvalidRequestException($"role {role} is not valid; must be ROLE_READER, ROLE_OPERATOR, ROLE_ADMIN or ROLE_APPEND_ONLY"),
    };

    public static V1.ApiKey ToProto(Security.ApiKeyInfo key)
    {
        var message = new V1.ApiKey
        {
            Name = key.Name,
            Role = ToProto(key.Role),
            Created = Timestamp.FromDateTimeOffset(key.Created),
            CreatedBy = key.CreatedBy,
        };
        if (key.Revoked is { } revoked)
        {
            message.Revoked = Timestamp.FromDateTimeOffset(revoked);
        }

        if (key.PreviousTokenValidUntil is { } until)
        {
            message.PreviousTokenValidUntil = Timestamp.FromDateTimeOffset(until);
        }

        if (key.Expires is { } expires)
        {
            message.Expires = Timestamp.FromDateTimeOffset(expires);
        }

        return message;
    }

    public static V1.AuditEntry ToProto(Security.AuditRecord record) => new()
    {
        Time = Timestamp.FromDateTimeOffset(record.Time),
        Who = record.Who,
        What = record.What,
        Target = record.Target,
        Result = record.Result,
        Detail = record.Detail,
    };
}
