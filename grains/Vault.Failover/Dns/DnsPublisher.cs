// Moves the service's DNS name to the new primary: one RFC 2136 update (delete the RRset, add the
// new record — atomic on the server) signed with TSIG, then a query to every listed nameserver until
// each answers the new value. Every network wait has a deadline: ARSoft's TCP transport can wait
// forever on a server that accepts and never answers.
using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Lookup = DnsClient;

namespace Vault.Grains.Failover.Dns;

public sealed class DnsPublisher(DnsSpec spec)
{
    private static readonly TimeSpan _updateTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Replaces the record's value; throws <see cref="FailoverStepException"/> with the server's answer when refused.</summary>
    public async Task UpdateAsync(string value, CancellationToken cancellationToken)
    {
        var secret = Secrets.Read(spec.TsigSecret, $"TSIG secret of key {spec.TsigKeyName}") ?? "";
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret);
        }
        catch (FormatException)
        {
            throw new FailoverStepException($"the TSIG secret of key {spec.TsigKeyName} ({spec.TsigSecret}) is not base64");
        }

        var (host, port) = FailoverSpecValidator.SplitEndpoint(spec.Server);
        var name = DomainName.Parse(FailoverSpecValidator.Fqdn(spec.Name));
        var message = new DnsUpdateMessage { ZoneName = DomainName.Parse(FailoverSpecValidator.Fqdn(spec.Zone)) };
        message.Updates.Add(new DeleteAllRecordsUpdate(name, RecordTypeOf(spec.Type)));
        message.Updates.Add(new AddRecordUpdate(RecordOf(name, value)));
        message.TSigOptions = new TSigRecord(DomainName.Parse(FailoverSpecValidator.Fqdn(spec.TsigKeyName)), TSigAlgorithm.Sha256,
            DateTime.UtcNow, TimeSpan.FromSeconds(300), message.TransactionID, ReturnCode.NoError, null, key);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_updateTimeout);
        using var client = new ARSoft.Tools.Net.Dns.DnsClient(
            [await AddressOfAsync(host, deadline.Token)],
            [new UdpClientTransport(port), new TcpClientTransport(port)],
            disposeTransport: true,
            queryTimeout: (int)_updateTimeout.TotalMilliseconds);
        DnsUpdateMessage? response;
        try
        {
            response = await client.SendUpdateAsync(message, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"DNS update of {spec.Name} sent to {spec.Server} got no answer within {_updateTimeout.TotalSeconds:0} s");
        }

        if (response is null)
        {
            throw new FailoverStepException($"DNS update of {spec.Name} sent to {spec.Server} got no answer (server down or not listening)");
        }

        if (response.ReturnCode != ReturnCode.NoError)
        {
            var tsig = response.TSigOptions is { } t && (int)t.Error != 0 ? $", TSIG error {TsigError((int)t.Error)}" : "";
            throw new FailoverStepException(
                $"DNS update of {spec.Name} refused by {spec.Server}: {RcodeName((int)response.ReturnCode)}{tsig} (TSIG key '{spec.TsigKeyName}'; check the key name and secret and the zone's allow-update)");
        }
    }

    /// <summary>Waits until every nameserver answers <paramref name="value"/>; throws naming the ones that do not when the deadline passes.</summary>
    public async Task<TimeSpan> WaitPropagatedAsync(string value, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var servers = spec.Nameservers.Count > 0 ? spec.Nameservers : [spec.Server];
        var pending = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in servers)
        {
            pending[s] = "not asked yet";
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(spec.PropagationTimeout);
        while (pending.Count > 0)
        {
            foreach (var server in pending.Keys.ToList())
            {
                var answer = await QueryAsync(server, deadline.Token);
                if (string.Equals(answer, Normalize(value), StringComparison.OrdinalIgnoreCase))
                {
                    pending.Remove(server);
                }
                else
                {
                    pending[server] = answer ?? "no answer";
                }
            }

            if (pending.Count == 0)
            {
                break;
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FailoverStepException(
                    $"DNS {spec.Name} {spec.Type} is not {value} on every nameserver after {spec.PropagationTimeout.TotalSeconds:0.#} s: " +
                    string.Join(", ", pending.Select(p => $"{p.Key} answers {p.Value}")));
            }
        }

        return DateTime.UtcNow - started;
    }

    /// <summary>The record's current value on one nameserver, or null (no record, no answer).</summary>
    public async Task<string?> QueryAsync(string server, CancellationToken cancellationToken)
    {
        var (host, port) = FailoverSpecValidator.SplitEndpoint(server);
        try
        {
            var options = new Lookup.LookupClientOptions(new Lookup.NameServer(await AddressOfAsync(host, cancellationToken), port))
            {
                UseCache = false,
                Timeout = TimeSpan.FromMilliseconds(500),
                Retries = 0,
                UseTcpFallback = true,
                ThrowDnsErrors = false,
            };
            var lookup = new Lookup.LookupClient(options);
            var type = spec.Type switch { "AAAA" => Lookup.QueryType.AAAA, "CNAME" => Lookup.QueryType.CNAME, _ => Lookup.QueryType.A };
            var response = await lookup.QueryAsync(FailoverSpecValidator.Fqdn(spec.Name), type, Lookup.QueryClass.IN, cancellationToken);
            var record = response.Answers.FirstOrDefault(a => a.RecordType == (Lookup.Protocol.ResourceRecordType)type);
            return record switch
            {
                Lookup.Protocol.ARecord a => a.Address.ToString(),
                Lookup.Protocol.AaaaRecord a => a.Address.ToString(),
                Lookup.Protocol.CNameRecord c => Normalize(c.CanonicalName.Value),
                _ => null,
            };
        }
        catch (Lookup.DnsResponseException)
        {
            return null;
        }
    }

    private string Normalize(string value) => spec.Type == "CNAME" ? FailoverSpecValidator.Fqdn(value) : value;

    private static async Task<IPAddress> AddressOfAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var ip) ? ip : (await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken))[0];

    private static RecordType RecordTypeOf(string type) => type switch
    {
        "AAAA" => RecordType.Aaaa,
        "CNAME" => RecordType.CName,
        _ => RecordType.A,
    };

    private DnsRecordBase RecordOf(DomainName name, string value) => spec.Type switch
    {
        "AAAA" => new AaaaRecord(name, spec.Ttl, IPAddress.Parse(value)),
        "CNAME" => new CNameRecord(name, spec.Ttl, DomainName.Parse(FailoverSpecValidator.Fqdn(value))),
        _ => new ARecord(name, spec.Ttl, IPAddress.Parse(value)),
    };

    private static string RcodeName(int code) => code switch
    {
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED (is the update signed with an allowed key?)",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => string.Create(CultureInfo.InvariantCulture, $"RCODE {code}"),
    };

    // Compared numerically: ARSoft's enum prints 16 (BADSIG) as BadVersion.
    private static string TsigError(int code) => code switch
    {
        16 => "BADSIG (wrong secret)",
        17 => "BADKEY (the server does not know this key name)",
        18 => "BADTIME (clock skew)",
        _ => string.Create(CultureInfo.InvariantCulture, $"{code}"),
    };
}
