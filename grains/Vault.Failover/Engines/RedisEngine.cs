using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Vault.Failover;

namespace Vault.Grains.Failover.Engines;

/// <summary>
/// Redis replication. Position = master_repl_offset (primary) or slave_repl_offset (replica). One
/// multiplexer per server is kept (they reconnect by themselves); commands fail fast while a server is down.
/// Roles are read from INFO, never from the client's cached view.
/// </summary>
public sealed class RedisEngine : IReplicationEngine, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _connections = new();

    public async Task PingAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var s = await ServerAsync(server, timeout);
        await s.PingAsync().WaitAsync(timeout, cancellationToken);
    }

    public async Task<NodeObservation> ObserveAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var info = await InfoAsync(server, timeout, cancellationToken);
            if (info.GetValueOrDefault("role") == "master")
            {
                return new NodeObservation(server.Name, true, NodeRole.Primary, Long(info, "master_repl_offset"), null, 0, false, null, DateTimeOffset.UtcNow);
            }

            var up = info.GetValueOrDefault("master_link_status") == "up";
            var offset = Long(info, "slave_repl_offset");
            double? lag = up && Long(info, "master_last_io_seconds_ago") is { } io && io >= 0 ? io : null;
            return new NodeObservation(server.Name, true, NodeRole.Replica, offset, null, lag, up, null, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            return PostgresEngine.Unreachable(server, e);
        }
    }

    public async Task PromoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var s = await ServerAsync(server, timeout);
        await s.ExecuteAsync("REPLICAOF", "NO", "ONE").WaitAsync(timeout, cancellationToken);
    }

    public async Task<bool> RepointAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var s = await ServerAsync(replica, timeout);
        await s.ExecuteAsync("REPLICAOF", primary.Host, primary.Port.ToString(CultureInfo.InvariantCulture)).WaitAsync(timeout, cancellationToken);
        return true;
    }

    /// <summary>Rejoin: the old master follows <paramref name="primary"/> (REPLICAOF) and its write pause from the fence ends (a replica is read-only).</summary>
    public async Task RejoinAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var s = await ServerAsync(replica, timeout);
        await s.ExecuteAsync("REPLICAOF", primary.Host, primary.Port.ToString(CultureInfo.InvariantCulture)).WaitAsync(timeout, cancellationToken);
        await s.ExecuteAsync("CLIENT", "UNPAUSE").WaitAsync(timeout, cancellationToken);
    }

    public async Task DemoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Writes pause for a minute at most; the primary becomes a replica when repointed.
        var s = await ServerAsync(server, timeout);
        await s.ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE").WaitAsync(timeout, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var c in _connections.Values)
        {
            if (c.IsValueCreated && c.Value.IsCompletedSuccessfully)
            {
                c.Value.Result.Dispose();
            }
        }
    }

    private async Task<Dictionary<string, string>> InfoAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var s = await ServerAsync(server, timeout);
        var raw = await s.InfoRawAsync("replication").WaitAsync(timeout, cancellationToken) ?? "";
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in raw.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                info[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }

        return info;
    }

    private static long? Long(Dictionary<string, string> info, string key) =>
        info.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null;

    private async Task<IServer> ServerAsync(ServerEndpoint server, TimeSpan timeout)
    {
        var key = $"{server.Host}:{server.Port}|{server.User}|{server.Password}";
        var lazy = _connections.GetOrAdd(key, _ => new Lazy<Task<ConnectionMultiplexer>>(() =>
        {
            var options = new ConfigurationOptions
            {
                EndPoints = { new DnsEndPoint(server.Host, server.Port) },
                User = server.User,
                Password = server.Password,
                AllowAdmin = true,
                AbortOnConnectFail = false,
                ConnectTimeout = (int)timeout.TotalMilliseconds,
                SyncTimeout = (int)timeout.TotalMilliseconds,
                AsyncTimeout = (int)timeout.TotalMilliseconds,
                ConnectRetry = 1,
                BacklogPolicy = BacklogPolicy.FailFast,
                ClientName = "vault-failover",
                CommandMap = CommandMap.Default,
                TieBreaker = "",
                ConfigurationChannel = "",
            };
            return ConnectionMultiplexer.ConnectAsync(options);
        }));
        var multiplexer = await lazy.Value;
        return multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
    }
}
