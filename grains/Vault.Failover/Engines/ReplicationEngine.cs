// One adapter per engine: read a node's role and replication position, promote a replica,
// point a replica at a new primary, make a live old primary read-only. Every action is
// idempotent (a controller resuming a step repeats it) and bounded by the caller's token.
using Vault.Failover;

namespace Vault.Grains.Failover.Engines;

/// <summary>A failover step could not be carried out; the message names the node and what the server said.</summary>
public sealed class FailoverStepException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>How to reach one server: address and credentials (secrets already read).</summary>
public sealed record ServerEndpoint(string Name, string Host, int Port, string? User, string? Password)
{
    /// <summary>The account replicas use to connect to a primary (MySQL/MariaDB; null when not configured).</summary>
    public string? ReplicationUser { get; init; }

    public string? ReplicationPassword { get; init; }

    public override string ToString() => $"{Name} ({Host}:{Port})";
}

public interface IReplicationEngine
{
    /// <summary>Connects and runs a trivial query; throws when the server cannot serve.</summary>
    Task PingAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Role, position and lag of one node. An unreachable node is an observation, not an exception.</summary>
    Task<NodeObservation> ObserveAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Makes the replica a writable primary; nothing to do if it already is one.</summary>
    Task PromoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Points a replica at the new primary; returns false when the engine cannot do it here (the caller reports why).</summary>
    Task<bool> RepointAsync(ServerEndpoint replica, ServerEndpoint primary, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Stops writes on a live primary before a switchover (read-only / paused writes).</summary>
    Task DemoteAsync(ServerEndpoint server, TimeSpan timeout, CancellationToken cancellationToken);
}

public sealed class ReplicationEngines(PostgresEngine postgres, MySqlEngine mysql, RedisEngine redis)
{
    public IReplicationEngine For(FailoverEngine engine) => engine switch
    {
        FailoverEngine.PostgreSql => postgres,
        FailoverEngine.MySql => mysql,
        FailoverEngine.Redis => redis,
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };
}

/// <summary>Reads secrets on the silo that needs them: the first line of a file, or an environment variable.</summary>
public static class Secrets
{
    public static string? Read(SecretReference? secret, string what)
    {
        if (secret is null || !secret.IsSet)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(secret.File))
        {
            try
            {
                return File.ReadLines(secret.File).FirstOrDefault()?.Trim() ?? "";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FailoverStepException($"cannot read the {what} from file {secret.File}: {e.Message}", e);
            }
        }

        return Environment.GetEnvironmentVariable(secret.Env!)
            ?? throw new FailoverStepException($"the {what} environment variable {secret.Env} is not set on this silo");
    }

    public static ServerEndpoint EndpointOf(FailoverServiceSpec spec, FailoverNodeSpec node) =>
        new(FailoverSpecValidator.NameOf(node), node.Host, node.Port, node.User ?? spec.User,
            Read(node.Password ?? spec.Password, $"password of {FailoverSpecValidator.NameOf(node)}"))
        {
            ReplicationUser = spec.ReplicationUser,
            ReplicationPassword = spec.ReplicationUser is null ? null : Read(spec.ReplicationPassword, "replication password"),
        };
}
