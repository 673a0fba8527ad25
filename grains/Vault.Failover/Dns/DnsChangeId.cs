namespace Vault.Grains.Failover.Dns;

/// <summary>A provider's id of one submitted change (Route 53 "/change/C…"); <see cref="Applied"/> when the provider applies changes synchronously.</summary>
public readonly record struct DnsChangeId(string Value)
{
    public static DnsChangeId Applied { get; } = new("applied");

    public override string ToString() => Value;
}
