// Amazon Route 53 through its REST API (version 2013-04-01), signed with Signature Version 4:
// ChangeResourceRecordSets (UPSERT/DELETE of one record set, weighted when SetIdentifier and Weight are
// configured), then GetChange until the change is INSYNC. Route 53's errors come back as
// ErrorResponse/Error/{Code,Message} or InvalidChangeBatch/Messages; the step fails with them verbatim.
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Dns;

public sealed class Route53DnsProvider : IDnsProvider
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";

    private readonly DnsSpec _spec;
    private readonly Route53Spec _r53;
    private readonly ThrottledSender _sender;
    private readonly string _base;

    public Route53DnsProvider(DnsSpec spec, HttpClient http)
    {
        _spec = spec;
        _r53 = spec.Route53 ?? throw new FailoverStepException("Dns:Route53 is not configured");
        _sender = new ThrottledSender(http, "Route 53", _r53.MaxAttempts, TimeSpan.FromMilliseconds(200));
        _base = _r53.Endpoint.TrimEnd('/') + "/2013-04-01";
    }

    public string Kind => DnsProviders.Route53;

    public async Task<DnsChangeId> SetAsync(DnsRecordSet records, CancellationToken cancellationToken) =>
        await ChangeAsync("UPSERT", records, cancellationToken);

    public async Task<DnsChangeId> DeleteAsync(string name, string type, CancellationToken cancellationToken)
    {
        var current = await GetAsync(name, type, cancellationToken);
        return current is null ? DnsChangeId.Applied : await ChangeAsync("DELETE", current, cancellationToken);
    }

    public async Task<DnsRecordSet?> GetAsync(string name, string type, CancellationToken cancellationToken)
    {
        var fqdn = DnsRecordValues.Fqdn(name);
        var query = $"?name={Uri.EscapeDataString(fqdn)}&type={type}" + (_r53.SetIdentifier is { } id ? $"&identifier={Uri.EscapeDataString(id)}" : "") + "&maxitems=1";
        var xml = await CallAsync(HttpMethod.Get, $"/hostedzone/{_r53.HostedZoneId}/rrset{query}", null, cancellationToken);
        var set = xml.Descendants(Ns + "ResourceRecordSet").FirstOrDefault(s =>
            DnsRecordValues.Fqdn((string?)s.Element(Ns + "Name") ?? "") == fqdn && (string?)s.Element(Ns + "Type") == type &&
            (_r53.SetIdentifier is null || (string?)s.Element(Ns + "SetIdentifier") == _r53.SetIdentifier));
        if (set is null)
        {
            return null;
        }

        var values = set.Descendants(Ns + "Value").Select(v => FromWire(type, v.Value)).ToList();
        return new DnsRecordSet(fqdn, type, (int?)set.Element(Ns + "TTL") ?? 0, values);
    }

    public async Task WaitLiveAsync(DnsChangeId change, CancellationToken cancellationToken)
    {
        if (change == DnsChangeId.Applied)
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_r53.SyncTimeout);
        var status = "";
        var delay = TimeSpan.FromMilliseconds(100);
        try
        {
            while (true)
            {
                var xml = await CallAsync(HttpMethod.Get, $"/change/{change.Value}", null, deadline.Token);
                status = (string?)xml.Descendants(Ns + "Status").FirstOrDefault() ?? "";
                if (status == "INSYNC")
                {
                    return;
                }

                await Task.Delay(delay, deadline.Token);
                delay = delay * 2 < TimeSpan.FromSeconds(5) ? delay * 2 : TimeSpan.FromSeconds(5);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"Route 53 change {change} is still {status} after {_r53.SyncTimeout.TotalSeconds:0} s (GetChange never reported INSYNC)");
        }
    }

    public async Task<IReadOnlyList<string>> ListNameserversAsync(CancellationToken cancellationToken)
    {
        var xml = await CallAsync(HttpMethod.Get, $"/hostedzone/{_r53.HostedZoneId}", null, cancellationToken);
        return xml.Descendants(Ns + "NameServer").Select(n => DnsRecordValues.Fqdn(n.Value)).ToList();
    }

    /// <summary>The ChangeResourceRecordSets request body for one change.</summary>
    public XDocument ChangeBatch(string action, DnsRecordSet records)
    {
        var set = new XElement(Ns + "ResourceRecordSet",
            new XElement(Ns + "Name", DnsRecordValues.Fqdn(records.Name)),
            new XElement(Ns + "Type", records.Type));
        if (_r53.SetIdentifier is { } id)
        {
            set.Add(new XElement(Ns + "SetIdentifier", id), new XElement(Ns + "Weight", _r53.Weight ?? 0));
        }

        set.Add(new XElement(Ns + "TTL", records.Ttl),
            new XElement(Ns + "ResourceRecords", records.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", ToWire(records.Type, v))))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement(Ns + "ChangeResourceRecordSetsRequest",
                new XElement(Ns + "ChangeBatch",
                    new XElement(Ns + "Comment", $"vault failover {records.Name}"),
                    new XElement(Ns + "Changes", new XElement(Ns + "Change", new XElement(Ns + "Action", action), set)))));
    }

    private async Task<DnsChangeId> ChangeAsync(string action, DnsRecordSet records, CancellationToken cancellationToken)
    {
        var body = ChangeBatch(action, records);
        var xml = await CallAsync(HttpMethod.Post, $"/hostedzone/{_r53.HostedZoneId}/rrset", body.Declaration + body.ToString(SaveOptions.DisableFormatting), cancellationToken);
        var id = (string?)xml.Descendants(Ns + "Id").FirstOrDefault()
            ?? throw new FailoverStepException($"Route 53 accepted the change of {records} but its answer has no ChangeInfo/Id");
        return new DnsChangeId(id.Replace("/change/", "", StringComparison.Ordinal));
    }

    private async Task<XDocument> CallAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        var signer = new AwsRequestSigner(
            Secrets.Read(_r53.AccessKeyId, "Route 53 access key id") ?? "",
            Secrets.Read(_r53.SecretAccessKey, "Route 53 secret access key") ?? "",
            _r53.Region, "route53");
        var uri = new Uri(_base + path);
        var bytes = body is null ? null : Encoding.UTF8.GetBytes(body);
        var (status, text) = await _sender.SendAsync(
            _ => Task.FromResult(signer.Sign(method, uri, bytes, bytes is null ? null : "text/xml")),
            (code, answer) => code is 429 or 503 || (code == 400 && (answer.Contains("<Code>Throttling</Code>", StringComparison.Ordinal) ||
                answer.Contains("<Code>PriorRequestNotComplete</Code>", StringComparison.Ordinal))),
            cancellationToken);
        XDocument? xml = null;
        try
        {
            xml = XDocument.Parse(text);
        }
        catch (System.Xml.XmlException) when (status >= 400)
        {
        }
        catch (System.Xml.XmlException e)
        {
            throw new FailoverStepException($"Route 53 answered {method} {path} with HTTP {status} and a body that is not XML: {ThrottledSender.Shorten(text)}", e);
        }

        if (status is >= 200 and < 300 && xml is not null)
        {
            return xml;
        }

        throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture, $"Route 53 refused {method} {path}: HTTP {status} {ErrorOf(xml, text)}"));
    }

    private static string ErrorOf(XDocument? xml, string text)
    {
        if (xml is null)
        {
            return ThrottledSender.Shorten(text);
        }

        var code = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        var messages = xml.Descendants().Where(e => e.Name.LocalName == "Message").Select(e => e.Value).ToList();
        return code is null ? $"{xml.Root?.Name.LocalName}: {string.Join("; ", messages)}" : $"{code}: {string.Join("; ", messages)}";
    }

    private static string ToWire(string type, string value) => type == "TXT" ? "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : value;

    private static string FromWire(string type, string value) =>
        type == "TXT" ? value.Trim('"').Replace("\\\"", "\"", StringComparison.Ordinal) : DnsRecordValues.Normalize(type, value);
}
