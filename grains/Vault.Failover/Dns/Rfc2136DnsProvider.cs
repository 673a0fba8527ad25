// RFC 2136 dynamic update signed with TSIG (BIND and every server that speaks it). A set is replaced
// in one update message (delete the RRset, add each record — atomic on the server); the primary has
// applied it when it answers NOERROR, so there is no change to wait for. Every network wait has a
// deadline: ARSoft's TCP transport can wait forever on a server that accepts and never answers.
using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Vault.Failover;
using Vault.Grains.Failover.Engines;
using Lookup = DnsClient;

namespace Vault.Grains.Failover.Dns;

public sealed class Rfc2136DnsProvider(DnsSpec spec) : IDnsProvider
{
    private static readonly TimeSpan _updateTimeout = TimeSpan.FromSeconds(3);

    public string Kind => DnsProviders.Rfc2136;

    public async Task<DnsChangeId> SetAsync(DnsRecordSet records, CancellationToken cancellationToken)
    {
        var name = DomainName.Parse(DnsRecordValues.Fqdn(records.Name));
        await SendAsync(records.Name, message =>
        {
            message.Updates.Add(new DeleteAllRecordsUpdate(name, DnsRecordValues.RecordTypeOf(records.Type)));
            foreach (var value in records.Values)
            {
                message.Updates.Add(new AddRecordUpdate(DnsRecordValues.ToRecord(name, records.Ttl, records.Type, value)));
            }
        }, cancellationToken);
        return DnsChangeId.Applied;
    }

    public async Task<DnsChangeId> DeleteAsync(string name, string type, CancellationToken cancellationToken)
    {
        await SendAsync(name, message =>
            message.Updates.Add(new DeleteAllRecordsUpdate(DomainName.Parse(DnsRecordValues.Fqdn(name)), DnsRecordValues.RecordTypeOf(type))), cancellationToken);
        return DnsChangeId.Applied;
    }

    public async Task<DnsRecordSet?> GetAsync(string name, string type, CancellationToken cancellationToken)
    {
        var values = await NameserverVerifier.QueryAsync(spec.Server, name, type, cancellationToken)
            ?? throw new FailoverStepException($"DNS query for {name} {type} got no answer from {spec.Server}");
        return values.Count == 0 ? null : new DnsRecordSet(DnsRecordValues.Fqdn(name), type, spec.Ttl, values);
    }

    public Task WaitLiveAsync(DnsChangeId change, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> ListNameserversAsync(CancellationToken cancellationToken)
    {
        var (host, port) = FailoverSpecValidator.SplitEndpoint(spec.Server);
        var lookup = new Lookup.LookupClient(new Lookup.LookupClientOptions(new Lookup.NameServer(await AddressOfAsync(host, cancellationToken), port))
        {
            UseCache = false, Timeout = TimeSpan.FromMilliseconds(700), Retries = 0, ThrowDnsErrors = false,
        });
        var response = await lookup.QueryAsync(DnsRecordValues.Fqdn(spec.Zone), Lookup.QueryType.NS, Lookup.QueryClass.IN, cancellationToken);
        return response.Answers.NsRecords().Select(r => DnsRecordValues.Fqdn(r.NSDName.Value)).ToList();
    }

    private async Task SendAsync(string recordName, Action<DnsUpdateMessage> fill, CancellationToken cancellationToken)
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
        var message = new DnsUpdateMessage { ZoneName = DomainName.Parse(DnsRecordValues.Fqdn(spec.Zone)) };
        fill(message);
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
            throw new FailoverStepException($"DNS update of {recordName} sent to {spec.Server} got no answer within {_updateTimeout.TotalSeconds:0} s");
        }

        if (response is null)
        {
            throw new FailoverStepException($"DNS update of {recordName} sent to {spec.Server} got no answer (server down or not listening)");
        }

        if (response.ReturnCode != ReturnCode.NoError)
        {
            var tsig = response.TSigOptions is { } t && (int)t.Error != 0 ? $", TSIG error {TsigError((int)t.Error)}" : "";
            throw new FailoverStepException(
                $"DNS update of {recordName} refused by {spec.Server}: {RcodeName((int)response.ReturnCode)}{tsig} (TSIG key '{spec.TsigKeyName}'; check the key name and secret and the zone's allow-update)");
        }
    }

    private static async Task<IPAddress> AddressOfAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var ip) ? ip : (await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken))[0];

    private static string RcodeName(int code) => code switch
    {
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED (is the update signed with an allowed key? BIND also refuses an MX or SRV whose in-zone target has no address record; its log says which)",
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
