// The record types a service name may carry and the one text form of each value, shared by every
// provider: what the configuration gives, what providers are sent and what nameservers answer are all
// brought to this form before they are compared.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Lookup = DnsClient;

namespace Vault.Grains.Failover.Dns;

public static class DnsRecordValues
{
    public static readonly IReadOnlyList<string> Types = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV"];

    /// <summary>The canonical form of <paramref name="value"/>, or null with <paramref name="rule"/> saying what is wrong.</summary>
    public static string? Normalize(string type, string value, out string rule)
    {
        rule = "";
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (type)
        {
            case "A" or "AAAA":
                var family = type == "A" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (IPAddress.TryParse(value, out var ip) && ip.AddressFamily == family)
                {
                    return ip.ToString();
                }

                rule = $"must be an {(type == "A" ? "IPv4" : "IPv6")} address for a {type} record";
                return null;
            case "CNAME":
                if (IsHostName(value))
                {
                    return Fqdn(value);
                }

                rule = "must be a host name for a CNAME record";
                return null;
            case "MX":
                if (parts.Length == 2 && ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var preference) && IsHostName(parts[1]))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{preference} {Fqdn(parts[1])}");
                }

                rule = "must be 'PREFERENCE HOST' for an MX record, e.g. '10 mail.example.com'";
                return null;
            case "SRV":
                if (parts.Length == 4 && ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var priority) &&
                    ushort.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) &&
                    ushort.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && IsHostName(parts[3]))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"{priority} {weight} {port} {Fqdn(parts[3])}");
                }

                rule = "must be 'PRIORITY WEIGHT PORT TARGET' for an SRV record, e.g. '0 5 5432 db.example.com'";
                return null;
            case "TXT":
                if (value.Length is > 0 and <= 255)
                {
                    return value;
                }

                rule = "must be 1–255 characters for a TXT record";
                return null;
            default:
                rule = $"the record type must be one of {string.Join(", ", Types)}";
                return null;
        }
    }

    /// <summary>The canonical form; throws <see cref="FormatException"/> naming the rule.</summary>
    public static string Normalize(string type, string value) =>
        Normalize(type, value, out var rule) ?? throw new FormatException($"'{value}' {rule}");

    public static string Fqdn(string name) => (name.EndsWith('.') ? name : name + ".").ToLowerInvariant();

    public static bool IsHostName(string name) =>
        name.Length is > 0 and <= 254 && name.TrimEnd('.').Split('.').All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));

    internal static RecordType RecordTypeOf(string type) => type switch
    {
        "AAAA" => RecordType.Aaaa,
        "CNAME" => RecordType.CName,
        "MX" => RecordType.Mx,
        "TXT" => RecordType.Txt,
        "SRV" => RecordType.Srv,
        _ => RecordType.A,
    };

    internal static Lookup.QueryType QueryTypeOf(string type) => type switch
    {
        "AAAA" => Lookup.QueryType.AAAA,
        "CNAME" => Lookup.QueryType.CNAME,
        "MX" => Lookup.QueryType.MX,
        "TXT" => Lookup.QueryType.TXT,
        "SRV" => Lookup.QueryType.SRV,
        _ => Lookup.QueryType.A,
    };

    /// <summary>One record of the set in ARSoft's form, for an RFC 2136 update.</summary>
    internal static DnsRecordBase ToRecord(DomainName name, int ttl, string type, string value)
    {
        var p = value.Split(' ');
        return type switch
        {
            "AAAA" => new AaaaRecord(name, ttl, IPAddress.Parse(value)),
            "CNAME" => new CNameRecord(name, ttl, DomainName.Parse(value)),
            "MX" => new MxRecord(name, ttl, ushort.Parse(p[0], CultureInfo.InvariantCulture), DomainName.Parse(p[1])),
            "TXT" => new TxtRecord(name, ttl, value),
            "SRV" => new SrvRecord(name, ttl, ushort.Parse(p[0], CultureInfo.InvariantCulture), ushort.Parse(p[1], CultureInfo.InvariantCulture),
                ushort.Parse(p[2], CultureInfo.InvariantCulture), DomainName.Parse(p[3])),
            _ => new ARecord(name, ttl, IPAddress.Parse(value)),
        };
    }

    /// <summary>The canonical value of an answer record, or null for a record of another type.</summary>
    internal static string? FromAnswer(Lookup.Protocol.DnsResourceRecord record) => record switch
    {
        Lookup.Protocol.ARecord a => a.Address.ToString(),
        Lookup.Protocol.AaaaRecord a => a.Address.ToString(),
        Lookup.Protocol.CNameRecord c => Fqdn(c.CanonicalName.Value),
        Lookup.Protocol.MxRecord m => string.Create(CultureInfo.InvariantCulture, $"{m.Preference} {Fqdn(m.Exchange.Value)}"),
        Lookup.Protocol.SrvRecord s => string.Create(CultureInfo.InvariantCulture, $"{s.Priority} {s.Weight} {s.Port} {Fqdn(s.Target.Value)}"),
        Lookup.Protocol.TxtRecord t => string.Concat(t.Text),
        _ => null,
    };
}
