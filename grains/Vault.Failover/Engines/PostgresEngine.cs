using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Vault.Failover;

namespace Vault.Grains.Failover.Engines;

/// <summary>
/// PostgreSQL streaming replication. Position = WAL LSN (replay LSN on replicas, current LSN on
/// the primary). A replica's lag in seconds is 0 when it has replayed all it received, else the
/// age of its last replayed transaction (which alone would grow on an idle primary).
/// </summary>
public sealed class PostgresEngine : IReplicationEngine
{
    public async Task PingAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<NodeObservation> ObserveAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(server, timeout, cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                SELECT pg_is_in_recovery(),
                       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
                       CASE WHEN NOT pg_is_in_recovery() THEN 0
                            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 END,
                       COALESCE((SELECT status = 'streaming' FROM pg_stat_wal_receiver LIMIT 1), false)
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var replica = reader.GetBoolean(0);
            long? position = reader.IsDBNull(1) ? null : (long)(ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(1);
            double? lag = reader.IsDBNull(2) ? null : reader.GetDouble(2);
            return new NodeObservation(server.Name, true, replica ? NodeRole.Replica : NodeRole.Primary, position, null, lag,
                replica && reader.GetBoolean(3), null, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return Unreachable(server, e);
        }
    }

    public async Task PromoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        if (!await InRecoveryAsync(connection, cancellationToken))
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_promote(true, @seconds)", connection);
        command.Parameters.AddWithValue("seconds", (int)Math.Max(1, timeout.TotalSeconds));
        command.CommandTimeout = (int)Math.Max(2, timeout.TotalSeconds + 1);
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            throw new FailoverStepException($"pg_promote() on {server} returned false: the promotion did not finish within {timeout.TotalSeconds:0} s");
        }
    }

    public async Task<bool> RepointAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // primary_conninfo is reloadable since PostgreSQL 13; the replica follows the new timeline
        // (recovery_target_timeline = latest) as long as it is not ahead of the new primary.
        await using var connection = await OpenAsync(replica, timeout, cancellationToken);
        if (!await InRecoveryAsync(connection, cancellationToken))
        {
            throw new FailoverStepException($"{replica} is not a replica (pg_is_in_recovery() is false); it needs pg_rewind or a new base backup");
        }

        await using var show = new NpgsqlCommand("SHOW primary_conninfo", connection);
        var conninfo = (string?)await show.ExecuteScalarAsync(cancellationToken) ?? "";
        var rewritten = SetConnInfo(SetConnInfo(conninfo, "host", primary.Host), "port", primary.Port.ToString(CultureInfo.InvariantCulture));
        if (rewritten == conninfo)
        {
            return true;
        }

        await using var alter = new NpgsqlCommand($"ALTER SYSTEM SET primary_conninfo = '{rewritten.Replace("'", "''", StringComparison.Ordinal)}'", connection);
        await alter.ExecuteNonQueryAsync(cancellationToken);
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteScalarAsync(cancellationToken);
        return true;
    }

    public async Task DemoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var command = new NpgsqlCommand("ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf();", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets synchronous_standby_names (ALTER SYSTEM + reload) and returns the value the server reports afterwards.</summary>
    public async Task<string> SetSynchronousStandbysAsync(ServerEndpoint server, string value, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        var literal = "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
        await using (var set = new NpgsqlCommand($"ALTER SYSTEM SET synchronous_standby_names = {literal}", connection))
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection))
        {
            await reload.ExecuteNonQueryAsync(cancellationToken);
        }

        // The postmaster applies a reload asynchronously: a new session reads the value it settled on.
        await using var check = await OpenAsync(server, timeout, cancellationToken);
        for (var i = 0; ; i++)
        {
            await using var show = new NpgsqlCommand("SHOW synchronous_standby_names", check);
            var now = (string?)await show.ExecuteScalarAsync(cancellationToken) ?? "";
            if (now == value || i >= 40)
            {
                return now;
            }

            await Task.Delay(25, cancellationToken);
        }
    }

    /// <summary>The value of one setting (SHOW), e.g. full_page_writes.</summary>
    public async Task<string> ShowAsync(ServerEndpoint server, string setting, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var show = new NpgsqlCommand("SELECT current_setting(@name)", connection);
        show.Parameters.AddWithValue("name", setting);
        return (string?)await show.ExecuteScalarAsync(cancellationToken) ?? "";
    }

    /// <summary>The standbys (application_name) streaming from <paramref name="primary"/>, as pg_stat_replication lists them.</summary>
    public async Task<IReadOnlyList<string>> StreamingStandbysAsync(ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(primary, timeout, cancellationToken);
        await using var query = new NpgsqlCommand("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1", connection);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        var names = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    internal static string SetConnInfo(string conninfo, string key, string value)
    {
        var parts = conninfo.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = parts.FindIndex(p => p.StartsWith(key + "=", StringComparison.Ordinal));
        var entry = $"{key}={value}";
        if (index >= 0)
        {
            parts[index] = entry;
        }
        else
        {
            parts.Add(entry);
        }

        return string.Join(' ', parts);
    }

    private static async Task<bool> InRecoveryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task<NpgsqlConnection> OpenAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Ceiling(Math.Max(1, timeout.TotalSeconds));
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = server.Host,
            Port = server.Port,
            Username = server.User ?? "postgres",
            Password = server.Password,
            Database = "postgres",
            Timeout = seconds,
            CommandTimeout = seconds + 1,
            Pooling = false,
            ApplicationName = "vault-failover",
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout + TimeSpan.FromMilliseconds(200));
            await connection.OpenAsync(deadline.Token);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal static NodeObservation Unreachable(ServerEndpoint server, Exception e) =>
        new(server.Name, false, NodeRole.Unknown, null, null, null, false, Describe(e), DateTimeOffset.UtcNow);

    /// <summary>A one-line reason for the audit: the message and its cause, without client-library diagnostics dumps.</summary>
    internal static string Describe(Exception e)
    {
        if (e is OperationCanceledException)
        {
            return "timed out";
        }

        var inner = e.InnerException is { } i && i.Message != e.Message ? $" ({i.Message})" : "";
        var text = e.Message + inner;
        // StackExchange.Redis appends its connection diagnostics after the cause: keep "operation: X; cause".
        var semicolon = text.IndexOf("; ", StringComparison.Ordinal);
        var dump = semicolon > 0 ? text.IndexOf(", ", semicolon, StringComparison.Ordinal) : -1;
        return dump > 0 ? text[..dump] : text.Length > 300 ? text[..300] + "…" : text;
    }
}
