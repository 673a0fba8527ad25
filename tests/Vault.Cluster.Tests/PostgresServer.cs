using System.Diagnostics;
using Npgsql;
using Vault.EndToEnd.Tests;

namespace Vault.Cluster.Tests;

/// <summary>
/// A throw-away PostgreSQL 15 on 127.0.0.1: initdb in a temp directory, a port below the ephemeral
/// range, scram password for TCP. A machine without PostgreSQL fails the tests (./test.sh installs it).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";
    public const string Password = "pg-test-password";

    private readonly string _dir;

    private PostgresServer(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Password={Password}";

    public static async Task<PostgresServer> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDir}/initdb is missing): install postgresql-15 (./test.sh does)");
        }

        var dir = Path.Combine(Path.GetTempPath(), "vault-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var pwfile = Path.Combine(dir, "pw");
        await File.WriteAllTextAsync(pwfile, Password);
        if (IsRoot)
        {
            await RunAsync("chown", "-R", "postgres", dir); // initdb and postgres refuse to run as root
        }

        var data = Path.Combine(dir, "data");
        await AsPostgresAsync("initdb", "-D", data, "-U", "postgres", "--pwfile=" + pwfile, "--auth-local=trust",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "-N");
        var port = Ports.Free();
        await AsPostgresAsync("pg_ctl", "-D", data, "-l", Path.Combine(dir, "log"), "-w", "-t", "60",
            "-o", $"-p {port} -c listen_addresses=127.0.0.1 -k {dir} -c fsync=off -c max_connections=300", "start");
        return new PostgresServer(dir, port);
    }

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Transactions committed and rolled back in a database so far (pg_stat_database; updated with a small delay).</summary>
    public async Task<long> TransactionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = @d", connection);
        command.Parameters.AddWithValue("d", database);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static Task AsPostgresAsync(string tool, params string[] args) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, tool), .. args])
            : RunAsync(Path.Combine(BinDir, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var result = await Run.ProcessAsync(file, args, timeout: TimeSpan.FromSeconds(90));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result}");
        }
    }
}
