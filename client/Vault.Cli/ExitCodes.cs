using Grpc.Core;

namespace Vault.Cli;

/// <summary>The process exit codes of <c>vault</c>.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int Incomplete = 3;
    public const int Unreachable = 4;
    public const int NotFound = 5;
    public const int Corruption = 6;
    public const int Denied = 7;
    public const int ProblemsFound = 8;
    public const int Cancelled = 130;

    /// <summary>Text for the root command's help and for docs/cli.md.</summary>
    public const string Description = """
        Exit codes:
          0    success
          1    error: the server refused or failed the request
          2    usage error: bad arguments
          3    backup saved but incomplete (some files could not be read)
          4    the gateway cannot be reached, or a node or the write quorum is unavailable
          5    not found (snapshot or job)
          6    data corruption detected
          7    not authenticated (missing, unknown or revoked token) or permission denied (role too low)
          8    check found problems in the repository (listed as warnings)
          130  cancelled (Ctrl-C); a running job is cancelled on the server too
        """;

    /// <summary>
    /// The exit code for a job that did not succeed: from its typed failure's status, the same table
    /// as a failed call (corruption 6, not found 5, cancelled 130, the rest 1).
    /// </summary>
    public static int FromJob(Vault.V1.Job job) => job.Failure is { } failure
        ? FromStatus((StatusCode)failure.Status)
        : job.State == Vault.V1.JobState.Cancelled ? Cancelled : Error;

    /// <summary>The exit code for a failed gateway call.</summary>
    public static int FromStatus(StatusCode status) => status switch
    {
        StatusCode.OK => Ok,
        StatusCode.NotFound => NotFound,
        StatusCode.DataLoss => Corruption,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Denied,
        StatusCode.Unavailable => Unreachable,
        StatusCode.Cancelled => Cancelled,
        _ => Error,
    };
}
