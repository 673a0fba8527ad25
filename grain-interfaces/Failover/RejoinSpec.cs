namespace Vault.Failover;

/// <summary>
/// The commands that rejoin a PostgreSQL node, run on the node's RemoteHost over SSH (or on the silo's machine when
/// it has none), as templates. Placeholders: {bin} (<see cref="Bin"/>), {pgdata} (the node's DataDirectory),
/// {port} (the node's port), {node} (its name), {source} (libpq connection string of the current primary, no
/// password: use <see cref="PassFile"/> or the remote account's ~/.pgpass) and {settings} (the shell-quoted lines
/// appended to postgresql.auto.conf).
/// </summary>
[GenerateSerializer, Alias("vault.failover-rejoin")]
public sealed class RejoinSpec
{
    public const string DefaultStop = "if {bin}/pg_ctl -D {pgdata} status >/dev/null; then {bin}/pg_ctl -D {pgdata} -m fast -w -t 60 stop; fi";

    public const string DefaultRewind = "{bin}/pg_rewind --target-pgdata={pgdata} --source-server={source}";

    public const string DefaultConfigure = "printf '%s\\n' {settings} >> {pgdata}/postgresql.auto.conf && touch {pgdata}/standby.signal";

    public const string DefaultStart = "{bin}/pg_ctl -D {pgdata} -l {pgdata}/rejoin.log -w -t 60 -o '-p {port}' start";

    /// <summary>The directory of pg_ctl and pg_rewind on the node's machine.</summary>
    [Id(0)] public string Bin { get; set; } = "/usr/lib/postgresql/15/bin";

    /// <summary>Stops the database; must exit 0 when it is already stopped.</summary>
    [Id(1)] public string StopCommand { get; set; } = DefaultStop;

    /// <summary>Rewinds the data directory to the current primary's timeline.</summary>
    [Id(2)] public string RewindCommand { get; set; } = DefaultRewind;

    /// <summary>Appends primary_conninfo and primary_slot_name to postgresql.auto.conf and writes standby.signal.</summary>
    [Id(3)] public string ConfigureCommand { get; set; } = DefaultConfigure;

    /// <summary>Starts the database (as a standby, since standby.signal is there).</summary>
    [Id(4)] public string StartCommand { get; set; } = DefaultStart;

    /// <summary>A libpq password file on the node's machine, named as passfile= in {source} and primary_conninfo; null = libpq's default (~/.pgpass).</summary>
    [Id(5)] public string? PassFile { get; set; }

    /// <summary>Upper bound of each rejoin command (pg_rewind copies what changed since the timelines diverged).</summary>
    [Id(6)] public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the verifying step waits for the node to stream from (or link up with) the primary.</summary>
    [Id(7)] public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
