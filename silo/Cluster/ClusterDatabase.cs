// The PostgreSQL database of a cluster: schema checks and apply, the node-id guard, and the
// shared repository (config + password-wrapped master key) that every node must use.
using System.Net.Sockets;
using Npgsql;
using Vault.Silo.Hosting;
using Vault.Storage;

namespace Vault.Silo.Cluster;

public static class VaultSchema
{
    /// <summary>The schema version this silo needs (vault_schema row 'vault').</summary>
    public const int Version = 1;

    /// <summary>Key of the advisory lock held while the schema is applied or the repository created.</summary>
    public const long AdvisoryLock = 7406001;

    public static string Sql()
    {
        using var stream = typeof(VaultSchema).Assembly.GetManifestResourceStream("postgresql-schema.sql")
            ?? throw new InvalidOperationException("the schema script is not embedded in the silo");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

public sealed class ClusterDatabase(string connectionString)
{
    private const string HowToApply =
        "apply it with infra/scripts/apply-schema.sh CONNINFO, or start one silo with --apply-schema";

    public string ConnectionString { get; } = connectionString;

    /// <summary>host:port/database of the connection string: for messages, never the password.</summary>
    public string Describe()
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"{b.Host ?? "localhost"}:{b.Port}/{b.Database ?? b.Username ?? "(default database)"}";
        }
        catch (ArgumentException)
        {
            return "(unparsable connection string)";
        }
    }

    /// <summary>Throws a <see cref="StartupException"/> naming the database when it cannot be reached or refuses the login.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct = default)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            throw new StartupException($"Vault:Cluster:Database is not a valid PostgreSQL connection string: {e.Message}");
        }

        if (builder.Timeout == 15)
        {
            builder.Timeout = 10;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException or InvalidOperationException)
        {
            await connection.DisposeAsync();
            var reason = e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : (e.InnerException?.Message ?? e.Message);
            throw new StartupException($"cannot connect to the cluster database {Describe()} (Vault:Cluster:Database): {reason}");
        }
    }

    /// <summary>Applies the embedded schema under the advisory lock (idempotent; concurrent silos wait for each other).</summary>
    public async Task ApplySchemaAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({VaultSchema.AdvisoryLock})", connection, tx))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        try
        {
            await using var apply = new NpgsqlCommand(VaultSchema.Sql(), connection, tx);
            await apply.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e)
        {
            throw new StartupException($"applying the schema to {Describe()} failed: {e.SqlState}: {e.MessageText}");
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Refuses to start on a database without the schema, or with an older one.</summary>
    public async Task CheckSchemaAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT to_regclass('vault_schema') IS NOT NULL", connection);
        if (!(bool)(await command.ExecuteScalarAsync(ct))!)
        {
            throw new StartupException($"the cluster database {Describe()} has no Vault schema; {HowToApply}");
        }

        await using var version = new NpgsqlCommand("SELECT version FROM vault_schema WHERE component = 'vault'", connection);
        var found = await version.ExecuteScalarAsync(ct) as int?;
        if (found is null || found < VaultSchema.Version)
        {
            throw new StartupException(
                $"the cluster database {Describe()} has Vault schema version {found?.ToString() ?? "none"}; this silo needs version {VaultSchema.Version}: {HowToApply}");
        }

        if (found > VaultSchema.Version)
        {
            throw new StartupException(
                $"the cluster database {Describe()} has Vault schema version {found}, newer than this silo's {VaultSchema.Version}: upgrade the silo");
        }
    }

    /// <summary>
    /// Refuses a node id that a live silo of the cluster already uses: a membership row with that name
    /// marked active whose silo port still accepts connections. A row left active by a silo that was
    /// killed (its port is closed) does not block the restart; the cluster declares it dead.
    /// </summary>
    public async Task CheckNodeIdFreeAsync(string clusterId, string nodeId, CancellationToken ct = default)
    {
        var active = new List<(string Address, int Port, DateTime Started)>();
        await using (var connection = await OpenAsync(ct))
        await using (var command = new NpgsqlCommand(
            "SELECT address, port, start_time FROM vault_membership WHERE deployment_id = @c AND silo_name = @n AND status = 3",
            connection))
        {
            command.Parameters.AddWithValue("c", clusterId);
            command.Parameters.AddWithValue("n", nodeId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                active.Add((reader.GetString(0), reader.GetInt32(1), reader.GetDateTime(2)));
            }
        }

        foreach (var (address, port, started) in active)
        {
            if (await AcceptsConnectionsAsync(address, port, ct))
            {
                throw new StartupException(
                    $"node id '{nodeId}' (Vault:NodeId) is already held by a live silo at {address}:{port} " +
                    $"(started {started:u}); give each silo its own node id");
            }
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(string address, int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await client.ConnectAsync(address, port, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // Refused or unreachable: no silo listens there any more (or it cannot be told apart from one
            // that does not; Orleans membership still keeps two silos of one name from both being active).
            return false;
        }
    }

    /// <summary>
    /// The cluster's repository: read from vault_repository, or created there (under the advisory lock)
    /// when this is the first node. Then installed in the node's data directory, so every node opens
    /// the same config and key.
    /// </summary>
    public async Task<LocalRepository> OpenSharedRepositoryAsync(string dataDir, string nodeId, string password, RepositoryConfig newConfig, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({VaultSchema.AdvisoryLock})", connection, tx))
        {
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        string configJson;
        byte[] keyFile;
        await using (var read = new NpgsqlCommand("SELECT config_json, key_file FROM vault_repository", connection, tx))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                configJson = reader.GetString(0);
                keyFile = (byte[])reader.GetValue(1);
            }
            else
            {
                configJson = "";
                keyFile = [];
            }
        }

        if (configJson.Length == 0)
        {
            (configJson, keyFile) = LocalRepository.NewSharedRepository(newConfig, password);
            await using var insert = new NpgsqlCommand(
                "INSERT INTO vault_repository (repository_id, config_json, key_file, created_by) VALUES (@id, @config, @key, @node)",
                connection,
                tx);
            insert.Parameters.AddWithValue("id", newConfig.RepositoryId);
            insert.Parameters.AddWithValue("config", configJson);
            insert.Parameters.AddWithValue("key", keyFile);
            insert.Parameters.AddWithValue("node", nodeId);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return LocalRepository.OpenShared(dataDir, password, configJson, keyFile);
    }
}
