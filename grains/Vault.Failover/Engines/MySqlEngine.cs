using System.Globalization;
using MySqlConnector;
using Vault.Failover;

namespace Vault.Grains.Failover.Engines;

/// <summary>
/// MariaDB (and MySQL) binlog replication with GTID. Position = binlog file number × 2^40 + offset,
/// on the primary from SHOW MASTER STATUS and on a replica the executed position in the primary's
/// binlog (Relay_Master_Log_File, Exec_Master_Log_Pos): differences inside one file are bytes, across
/// files they are huge, which is the safe direction. Seconds_Behind_Master NULL stays null: NULL is not 0.
/// </summary>
public sealed class MySqlEngine : IReplicationEngine
{
    public async Task PingAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<NodeObservation> ObserveAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(server, timeout, cancellationToken);
            await using (var command = new MySqlCommand("SHOW SLAVE STATUS", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    var io = reader.GetString("Slave_IO_Running");
                    var sql = reader.GetString("Slave_SQL_Running");
                    var file = reader.GetString("Relay_Master_Log_File");
                    var exec = Convert.ToInt64(reader.GetValue(reader.GetOrdinal("Exec_Master_Log_Pos")), CultureInfo.InvariantCulture);
                    var sbmOrdinal = reader.GetOrdinal("Seconds_Behind_Master");
                    double? behind = reader.IsDBNull(sbmOrdinal) ? null : Convert.ToDouble(reader.GetValue(sbmOrdinal), CultureInfo.InvariantCulture);
                    return new NodeObservation(server.Name, true, NodeRole.Replica, Position(file, exec), null, behind,
                        io == "Yes" && sql == "Yes", null, DateTimeOffset.UtcNow);
                }
            }

            await using var status = new MySqlCommand("SHOW MASTER STATUS", connection);
            await using var master = await status.ExecuteReaderAsync(cancellationToken);
            long? position = null;
            if (await master.ReadAsync(cancellationToken))
            {
                position = Position(master.GetString(0), Convert.ToInt64(master.GetValue(1), CultureInfo.InvariantCulture));
            }

            return new NodeObservation(server.Name, true, NodeRole.Primary, position, null, 0, false, null, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is MySqlException or TimeoutException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return PostgresEngine.Unreachable(server, e);
        }
    }

    public async Task PromoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var command = new MySqlCommand("STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF;", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> RepointAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(replica, timeout, cancellationToken);
        bool wasReplica;
        await using (var status = new MySqlCommand("SHOW SLAVE STATUS", connection))
        await using (var reader = await status.ExecuteReaderAsync(cancellationToken))
        {
            wasReplica = await reader.ReadAsync(cancellationToken) && !string.IsNullOrEmpty(reader["Master_User"] as string);
        }

        var port = primary.Port.ToString(CultureInfo.InvariantCulture);
        MySqlCommand command;
        if (wasReplica)
        {
            // Keeps the replica's replication user and password; slave_pos continues from the GTIDs it applied.
            command = new MySqlCommand($"STOP SLAVE; CHANGE MASTER TO MASTER_HOST = @host, MASTER_PORT = {port}, MASTER_USE_GTID = slave_pos; START SLAVE;", connection);
        }
        else
        {
            // A demoted primary: it has no replication account, and its position is what it wrote itself (current_pos).
            if (string.IsNullOrEmpty(replica.ReplicationUser))
            {
                throw new InvalidOperationException(
                    $"{replica.Name} has never been a replica: set ReplicationUser and ReplicationPassword of the service so it can follow {primary.Name}");
            }

            command = new MySqlCommand(
                $"STOP SLAVE; CHANGE MASTER TO MASTER_HOST = @host, MASTER_PORT = {port}, MASTER_USER = @user, MASTER_PASSWORD = @password, MASTER_USE_GTID = current_pos; START SLAVE;",
                connection);
            command.Parameters.AddWithValue("@user", replica.ReplicationUser);
            command.Parameters.AddWithValue("@password", replica.ReplicationPassword ?? "");
        }

        await using (command)
        {
            command.Parameters.AddWithValue("@host", primary.Host);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Rejoin: makes an old primary a read-only replica of <paramref name="primary"/>. A node that was never a replica
    /// starts from the GTIDs it wrote itself (gtid_slave_pos = gtid_binlog_pos), then follows with MASTER_USE_GTID = slave_pos.
    /// </summary>
    public async Task RejoinAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(replica.ReplicationUser))
        {
            throw new FailoverStepException($"cannot rejoin {replica}: set ReplicationUser and ReplicationPassword of the service so it can follow {primary}");
        }

        await using var connection = await OpenAsync(replica, timeout, cancellationToken);
        bool wasReplica;
        await using (var status = new MySqlCommand("SHOW SLAVE STATUS", connection))
        await using (var reader = await status.ExecuteReaderAsync(cancellationToken))
        {
            wasReplica = await reader.ReadAsync(cancellationToken) && !string.IsNullOrEmpty(reader["Master_User"] as string);
        }

        var port = primary.Port.ToString(CultureInfo.InvariantCulture);
        var position = wasReplica ? "" : "SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos; ";
        await using var command = new MySqlCommand(
            $"SET GLOBAL read_only = ON; STOP SLAVE; {position}CHANGE MASTER TO MASTER_HOST = @host, MASTER_PORT = {port}, MASTER_USER = @user, MASTER_PASSWORD = @password, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1; START SLAVE;",
            connection);
        command.Parameters.AddWithValue("@host", primary.Host);
        command.Parameters.AddWithValue("@user", replica.ReplicationUser);
        command.Parameters.AddWithValue("@password", replica.ReplicationPassword ?? "");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DemoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, timeout, cancellationToken);
        await using var command = new MySqlCommand("SET GLOBAL read_only = ON", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static long? Position(string file, long offset)
    {
        var dot = file.LastIndexOf('.');
        return dot >= 0 && long.TryParse(file.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? (number << 40) + offset
            : null;
    }

    private static async Task<MySqlConnection> OpenAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seconds = (uint)Math.Ceiling(Math.Max(1, timeout.TotalSeconds));
        var builder = new MySqlConnectionStringBuilder
        {
            Server = server.Host,
            Port = (uint)server.Port,
            UserID = server.User ?? "root",
            Password = server.Password,
            ConnectionTimeout = seconds,
            DefaultCommandTimeout = seconds + 1,
            Pooling = false,
            AllowUserVariables = true,
        };
        var connection = new MySqlConnection(builder.ConnectionString);
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
}
