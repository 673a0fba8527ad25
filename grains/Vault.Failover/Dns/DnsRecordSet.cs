namespace Vault.Grains.Failover.Dns;

/// <summary>
/// All records of one name and type. Values are in the canonical text form of
/// <see cref="DnsRecordValues"/> (an address, a fully qualified name, "10 mail.example.com." for MX,
/// "0 5 5432 db.example.com." for SRV, the bare text for TXT).
/// </summary>
public sealed record DnsRecordSet(string Name, string Type, int Ttl, IReadOnlyList<string> Values)
{
    /// <summary>True when both hold the same values, whatever their order.</summary>
    public bool SameValues(IReadOnlyList<string>? other) =>
        other is not null && other.Count == Values.Count &&
        other.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(Values.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Values)}]";
}
