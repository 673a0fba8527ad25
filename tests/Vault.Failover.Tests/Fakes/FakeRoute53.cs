using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Vault.Failover.Tests.Fakes;

/// <summary>
/// Route 53's REST API (2013-04-01) as far as the DNS provider uses it: ChangeResourceRecordSets,
/// GetChange, ListResourceRecordSets, GetHostedZone. It checks what Route 53 checks — the Signature
/// Version 4 recomputed from the same secret, the request XML (namespace, actions, types, values,
/// names inside the zone, weighted sets), the zone id — and answers with Route 53's status codes and
/// error bodies. A change stays PENDING for <see cref="PendingFor"/> and is then applied through
/// <see cref="OnInsync"/> (the tests mirror it into BIND, so the nameserver check is real) before
/// GetChange reports INSYNC. Throttling mode answers 400 Throttling or 429 with Retry-After.
/// </summary>
public sealed class FakeRoute53 : IAsyncDisposable
{
    public static readonly XNamespace Ns = "https://route53.amazonaws.com/doc/2013-04-01/";
    public const string AccessKeyId = "AKIDVAULTTEST0000001";
    public const string SecretAccessKey = "vaultTestSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string ZoneId = "Z0VAULTTEST";

    private readonly FakeHttpServer _server;
    private readonly ConcurrentDictionary<string, Change> _changes = new();
    private readonly object _lock = new();
    private int _changeNo;

    private FakeRoute53(FakeHttpServer server) => _server = server;

    public string Url => _server.Url;

    public string ZoneName { get; set; } = "vault.test.";

    public IReadOnlyList<string> NameServers { get; set; } = ["ns1.vault.test.", "ns2.vault.test."];

    public TimeSpan PendingFor { get; set; } = TimeSpan.FromMilliseconds(600);

    /// <summary>Record sets by (name, type, set identifier).</summary>
    public ConcurrentDictionary<(string Name, string Type, string Id), (long? Weight, int Ttl, List<string> Values)> Sets { get; } = new();

    /// <summary>Called once per change when it becomes INSYNC, with the name and type's full value list after it (empty when deleted).</summary>
    public Func<string, string, IReadOnlyList<string>, Task>? OnInsync { get; set; }

    /// <summary>Answer this many requests with throttling first.</summary>
    public int ThrottleNext { get; set; }

    /// <summary>Throttle with 429 + Retry-After instead of 400 Throttling.</summary>
    public bool ThrottleWith429 { get; set; }

    public int Requests;
    public int GetChangeCalls;
    public ConcurrentQueue<string> Log { get; } = new();

    public static async Task<FakeRoute53> StartAsync(int port)
    {
        FakeRoute53? fake = null;
        var server = await FakeHttpServer.StartAsync(port, app => app.Run(context => fake!.HandleAsync(context)));
        fake = new FakeRoute53(server);
        return fake;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref Requests);
        var wire = await FakeHttpServer.WireRequestAsync(context);
        Log.Enqueue($"{wire.Method} {wire.Path}");
        if (ThrottleNext > 0)
        {
            ThrottleNext--;
            if (ThrottleWith429)
            {
                context.Response.Headers.RetryAfter = "1";
                await ErrorAsync(context, 429, "Throttling", "Rate exceeded");
            }
            else
            {
                await ErrorAsync(context, 400, "Throttling", "Rate exceeded");
            }

            return;
        }

        var verdict = new SigV4Verifier(new Dictionary<string, string> { [AccessKeyId] = SecretAccessKey }, "us-east-1", "route53").Verify(wire);
        if (verdict.Code is not null)
        {
            await ErrorAsync(context, 403, verdict.Code, verdict.Message);
            return;
        }

        var parts = wire.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "2013-04-01")
        {
            await ErrorAsync(context, 404, "UnknownOperationException", "Unknown operation");
            return;
        }

        if (parts[1] == "change" && wire.Method == "GET")
        {
            await GetChangeAsync(context, parts[2]);
            return;
        }

        if (parts[1] != "hostedzone")
        {
            await ErrorAsync(context, 404, "UnknownOperationException", "Unknown operation");
            return;
        }

        if (parts[2] != ZoneId)
        {
            await ErrorAsync(context, 404, "NoSuchHostedZone", $"No hosted zone found with ID: {parts[2]}");
            return;
        }

        if (parts.Length == 3 && wire.Method == "GET")
        {
            await XmlAsync(context, 200, new XElement(Ns + "GetHostedZoneResponse",
                new XElement(Ns + "HostedZone", new XElement(Ns + "Id", $"/hostedzone/{ZoneId}"), new XElement(Ns + "Name", ZoneName)),
                new XElement(Ns + "DelegationSet", new XElement(Ns + "NameServers", NameServers.Select(n => new XElement(Ns + "NameServer", n.TrimEnd('.')))))));
        }
        else if (parts.Length == 4 && parts[3] == "rrset" && wire.Method == "POST")
        {
            await ChangeAsync(context, wire.Body);
        }
        else if (parts.Length == 4 && parts[3] == "rrset" && wire.Method == "GET")
        {
            await ListAsync(context);
        }
        else
        {
            await ErrorAsync(context, 404, "UnknownOperationException", "Unknown operation");
        }
    }

    private async Task ChangeAsync(HttpContext context, byte[] body)
    {
        XDocument doc;
        try
        {
            doc = XDocument.Parse(Encoding.UTF8.GetString(body));
        }
        catch (System.Xml.XmlException e)
        {
            await ErrorAsync(context, 400, "MalformedXML", $"The XML you provided was not well-formed or did not validate against our published schema: {e.Message}");
            return;
        }

        if (doc.Root?.Name != Ns + "ChangeResourceRecordSetsRequest" || doc.Root.Element(Ns + "ChangeBatch")?.Element(Ns + "Changes") is not { } changes)
        {
            await ErrorAsync(context, 400, "InvalidInput", "Invalid XML ; cvc-elt.1.a: Cannot find the declaration of element 'ChangeResourceRecordSetsRequest' in namespace " + Ns.NamespaceName);
            return;
        }

        var problems = new List<string>();
        var planned = new List<(string Action, (string, string, string) Key, long? Weight, int Ttl, List<string> Values)>();
        foreach (var change in changes.Elements(Ns + "Change"))
        {
            var action = (string?)change.Element(Ns + "Action") ?? "";
            var set = change.Element(Ns + "ResourceRecordSet");
            var name = ((string?)set?.Element(Ns + "Name") ?? "").ToLowerInvariant();
            name = name.EndsWith('.') ? name : name + ".";
            var type = (string?)set?.Element(Ns + "Type") ?? "";
            var id = (string?)set?.Element(Ns + "SetIdentifier");
            var weight = (long?)set?.Element(Ns + "Weight");
            var ttl = (int?)set?.Element(Ns + "TTL");
            var values = set?.Element(Ns + "ResourceRecords")?.Elements(Ns + "ResourceRecord").Select(r => (string?)r.Element(Ns + "Value") ?? "").ToList() ?? [];
            if (action is not ("CREATE" or "DELETE" or "UPSERT"))
            {
                problems.Add($"Invalid XML ; cvc-enumeration-valid: Value '{action}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'.");
                continue;
            }

            if (type is not ("A" or "AAAA" or "CNAME" or "MX" or "TXT" or "SRV" or "NS" or "PTR" or "SPF" or "CAA" or "NAPTR" or "DS"))
            {
                problems.Add($"Invalid XML ; cvc-enumeration-valid: Value '{type}' is not facet-valid with respect to enumeration.");
                continue;
            }

            if (!(name == ZoneName || name.EndsWith("." + ZoneName, StringComparison.Ordinal)))
            {
                problems.Add($"RRSet with DNS name {name} is not permitted in zone {ZoneName}");
                continue;
            }

            if ((id is null) != (weight is null))
            {
                problems.Add($"Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action={action}, Name={name}, Type={type}, SetIdentifier={id}]");
                continue;
            }

            if (ttl is null || values.Count == 0)
            {
                problems.Add($"Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in Change with [Action={action}, Name={name}, Type={type}, SetIdentifier={id}]");
                continue;
            }

            foreach (var value in values)
            {
                if (ValueProblem(type, value) is { } problem)
                {
                    problems.Add(problem);
                }
            }

            var key = (name, type, id ?? "");
            var exists = Sets.TryGetValue(key, out var current);
            if (action == "CREATE" && exists)
            {
                problems.Add($"Tried to create resource record set [name='{name}', type='{type}'] but it already exists");
            }
            else if (action == "DELETE" && (!exists || current.Ttl != ttl || !current.Values.Order().SequenceEqual(values.Order())))
            {
                problems.Add($"Tried to delete resource record set [name='{name}', type='{type}'] but {(exists ? "the values provided do not match the current values" : "it was not found")}");
            }

            planned.Add((action, key, weight, ttl.Value, values));
        }

        if (problems.Count > 0)
        {
            await XmlAsync(context, 400, new XElement(Ns + "InvalidChangeBatch", new XElement(Ns + "Messages", problems.Select(p => new XElement(Ns + "Message", p)))));
            return;
        }

        var touched = new List<(string, string)>();
        lock (_lock)
        {
            foreach (var p in planned)
            {
                if (p.Action == "DELETE")
                {
                    Sets.TryRemove(p.Key, out _);
                }
                else
                {
                    Sets[p.Key] = (p.Weight, p.Ttl, p.Values);
                }

                touched.Add((p.Key.Item1, p.Key.Item2));
            }
        }

        var changeId = $"C{Interlocked.Increment(ref _changeNo):D6}VAULT";
        _changes[changeId] = new Change(DateTime.UtcNow, touched);
        await XmlAsync(context, 200, new XElement(Ns + "ChangeResourceRecordSetsResponse", ChangeInfo(changeId, "PENDING")));
    }

    private async Task GetChangeAsync(HttpContext context, string id)
    {
        Interlocked.Increment(ref GetChangeCalls);
        if (!_changes.TryGetValue(id, out var change))
        {
            await ErrorAsync(context, 404, "NoSuchChange", $"A change with the specified change ID does not exist: {id}");
            return;
        }

        var status = "PENDING";
        if (DateTime.UtcNow - change.SubmittedAt >= PendingFor)
        {
            await change.Gate.WaitAsync();
            try
            {
                if (!change.Applied)
                {
                    foreach (var (name, type) in change.Touched)
                    {
                        var values = Sets.Where(s => s.Key.Name == name && s.Key.Type == type).SelectMany(s => s.Value.Values).Distinct().ToList();
                        if (OnInsync is { } apply)
                        {
                            await apply(name, type, values);
                        }
                    }

                    change.Applied = true;
                }
            }
            finally
            {
                change.Gate.Release();
            }

            status = "INSYNC";
        }

        await XmlAsync(context, 200, new XElement(Ns + "GetChangeResponse", ChangeInfo(id, status)));
    }

    private async Task ListAsync(HttpContext context)
    {
        var name = context.Request.Query["name"].ToString().ToLowerInvariant();
        var type = context.Request.Query["type"].ToString();
        var matching = Sets.Where(s => string.CompareOrdinal(s.Key.Name, name) >= 0).OrderBy(s => s.Key.Name, StringComparer.Ordinal).ThenBy(s => s.Key.Type, StringComparer.Ordinal)
            .Where(s => s.Key.Name != name || string.CompareOrdinal(s.Key.Type, type) >= 0).Take(int.TryParse(context.Request.Query["maxitems"], out var max) ? max : 100);
        await XmlAsync(context, 200, new XElement(Ns + "ListResourceRecordSetsResponse",
            new XElement(Ns + "ResourceRecordSets", matching.Select(s => new XElement(Ns + "ResourceRecordSet",
                new XElement(Ns + "Name", s.Key.Name), new XElement(Ns + "Type", s.Key.Type),
                s.Key.Id.Length > 0 ? new XElement(Ns + "SetIdentifier", s.Key.Id) : null,
                s.Value.Weight is { } w ? new XElement(Ns + "Weight", w) : null,
                new XElement(Ns + "TTL", s.Value.Ttl),
                new XElement(Ns + "ResourceRecords", s.Value.Values.Select(v => new XElement(Ns + "ResourceRecord", new XElement(Ns + "Value", v))))))),
            new XElement(Ns + "IsTruncated", "false"), new XElement(Ns + "MaxItems", "100")));
    }

    private static string? ValueProblem(string type, string value)
    {
        var p = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return type switch
        {
            "A" when !(IPAddress.TryParse(value, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) =>
                $"ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '{value}'",
            "AAAA" when !(IPAddress.TryParse(value, out var b) && b.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) =>
                $"AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '{value}'",
            "MX" when p.Length != 2 || !ushort.TryParse(p[0], CultureInfo.InvariantCulture, out _) => $"MXRRDATANotTwoFields encountered with '{value}'",
            "SRV" when p.Length != 4 => $"SRVRRDATANotFourFields encountered with '{value}'",
            "TXT" when !(value.StartsWith('"') && value.EndsWith('"') && value.Length >= 2) => $"Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '{value}''",
            _ => null,
        };
    }

    private static XElement ChangeInfo(string id, string status) => new(Ns + "ChangeInfo",
        new XElement(Ns + "Id", $"/change/{id}"), new XElement(Ns + "Status", status), new XElement(Ns + "SubmittedAt", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)));

    private static Task ErrorAsync(HttpContext context, int status, string code, string message) =>
        XmlAsync(context, status, new XElement(Ns + "ErrorResponse",
            new XElement(Ns + "Error", new XElement(Ns + "Type", "Sender"), new XElement(Ns + "Code", code), new XElement(Ns + "Message", message)),
            new XElement(Ns + "RequestId", Guid.NewGuid().ToString())));

    private static async Task XmlAsync(HttpContext context, int status, XElement root)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync(new XDocument(new XDeclaration("1.0", "UTF-8", null), root).Declaration + root.ToString(SaveOptions.DisableFormatting));
    }

    private sealed class Change(DateTime submittedAt, List<(string, string)> touched)
    {
        public DateTime SubmittedAt { get; } = submittedAt;

        public List<(string Name, string Type)> Touched { get; } = touched;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool Applied { get; set; }
    }
}
