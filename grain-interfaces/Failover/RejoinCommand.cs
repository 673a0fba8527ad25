namespace Vault.Failover;

/// <summary>An operator's request to turn <paramref name="Node"/> (an old primary) into a replica of the current primary.</summary>
[GenerateSerializer, Immutable, Alias("vault.failover-rejoin-command")]
public sealed record RejoinCommand(string Node, string Operator, string? Reason);
