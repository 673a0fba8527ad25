// Cloudflare's v4 API with an API token (Authorization: Bearer): the zone is looked up by name, then
// the name's dns_records of the type are made to equal the set (PUT over existing records, POST for
// missing ones, DELETE for extra ones). Cloudflare applies a record change at once, so there is no
// change to wait for; its errors come in the {success:false, errors:[{code,message}]} envelope.
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Dns;

public sealed class CloudflareDnsProvider : IDnsProvider
{
    private readonly DnsSpec _spec;
    private readonly CloudflareSpec _cf;
    private readonly ThrottledSender _sender;
    private string? _zoneId;

    public CloudflareDnsProvider(DnsSpec spec, HttpClient http)
    {
        _spec = spec;
        _cf = spec.Cloudflare ?? throw new FailoverStepException("Dns:Cloudflare is not configured");
        _sender = new ThrottledSender(http, "Cloudflare", _cf.MaxAttempts, TimeSpan.FromMilliseconds(200));
    }

    public string Kind => DnsProviders.Cloudflare;

    public async Task<DnsChangeId> SetAsync(DnsRecordSet records, CancellationToken cancellationToken)
    {
        if (records.Type == "SRV")
        {
            throw new FailoverStepException("the Cloudflare provider does not publish SRV records; use Rfc2136 or Route53 for them");
        }

        var zone = await ZoneIdAsync(cancellationToken);
        var existing = await ListAsync(zone, records.Name, records.Type, cancellationToken);
        for (var i = 0; i < records.Values.Count; i++)
        {
            var body = RecordBody(records, records.Values[i]);
            if (i < existing.Count)
            {
                await CallAsync(HttpMethod.Put, $"/zones/{zone}/dns_records/{existing[i]["id"]}", body, cancellationToken);
            }
            else
            {
                await CallAsync(HttpMethod.Post, $"/zones/{zone}/dns_records", body, cancellationToken);
            }
        }

        foreach (var extra in existing.Skip(records.Values.Count))
        {
            await CallAsync(HttpMethod.Delete, $"/zones/{zone}/dns_records/{extra["id"]}", null, cancellationToken);
        }

        return DnsChangeId.Applied;
    }

    public async Task<DnsChangeId> DeleteAsync(string name, string type, CancellationToken cancellationToken)
    {
        var zone = await ZoneIdAsync(cancellationToken);
        foreach (var record in await ListAsync(zone, name, type, cancellationToken))
        {
            await CallAsync(HttpMethod.Delete, $"/zones/{zone}/dns_records/{record["id"]}", null, cancellationToken);
        }

        return DnsChangeId.Applied;
    }

    public async Task<DnsRecordSet?> GetAsync(string name, string type, CancellationToken cancellationToken)
    {
        var records = await ListAsync(await ZoneIdAsync(cancellationToken), name, type, cancellationToken);
        return records.Count == 0
            ? null
            : new DnsRecordSet(DnsRecordValues.Fqdn(name), type, (int?)records[0]["ttl"] ?? 0, records.Select(r => ValueOf(type, r)).ToList());
    }

    public Task WaitLiveAsync(DnsChangeId change, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IReadOnlyList<string>> ListNameserversAsync(CancellationToken cancellationToken)
    {
        var zone = await CallAsync(HttpMethod.Get, $"/zones/{await ZoneIdAsync(cancellationToken)}", null, cancellationToken);
        return (zone["result"]?["name_servers"]?.AsArray() ?? []).Select(n => DnsRecordValues.Fqdn((string?)n ?? "")).ToList();
    }

    private async Task<string> ZoneIdAsync(CancellationToken cancellationToken)
    {
        if (_zoneId is not null)
        {
            return _zoneId;
        }

        var zoneName = _spec.Zone.TrimEnd('.');
        var answer = await CallAsync(HttpMethod.Get, $"/zones?name={Uri.EscapeDataString(zoneName)}", null, cancellationToken);
        var zones = answer["result"]?.AsArray() ?? [];
        _zoneId = (string?)zones.FirstOrDefault()?["id"]
            ?? throw new FailoverStepException($"Cloudflare has no zone named {zoneName} visible to this API token (check the zone name and the token's Zone:Read permission)");
        return _zoneId;
    }

    private async Task<List<JsonNode>> ListAsync(string zone, string name, string type, CancellationToken cancellationToken)
    {
        var answer = await CallAsync(HttpMethod.Get,
            $"/zones/{zone}/dns_records?type={type}&name={Uri.EscapeDataString(name.TrimEnd('.'))}&per_page=100", null, cancellationToken);
        return (answer["result"]?.AsArray() ?? []).OfType<JsonNode>().ToList();
    }

    private static JsonObject RecordBody(DnsRecordSet records, string value)
    {
        var body = new JsonObject { ["type"] = records.Type, ["name"] = records.Name.TrimEnd('.'), ["ttl"] = records.Ttl < 60 ? 1 : records.Ttl, ["proxied"] = false };
        if (records.Type == "MX")
        {
            var p = value.Split(' ');
            body["priority"] = int.Parse(p[0], CultureInfo.InvariantCulture);
            body["content"] = p[1].TrimEnd('.');
        }
        else
        {
            body["content"] = records.Type == "CNAME" ? value.TrimEnd('.') : value;
        }

        return body;
    }

    private static string ValueOf(string type, JsonNode record)
    {
        var content = (string?)record["content"] ?? "";
        return type switch
        {
            "MX" => DnsRecordValues.Normalize(type, $"{(int?)record["priority"] ?? 0} {content}"),
            "TXT" => content,
            _ => DnsRecordValues.Normalize(type, content),
        };
    }

    private async Task<JsonNode> CallAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var token = Secrets.Read(_cf.ApiToken, "Cloudflare API token") ?? "";
        var uri = new Uri(_cf.Endpoint.TrimEnd('/') + path);
        var json = body?.ToJsonString();
        var (status, text) = await _sender.SendAsync(_ =>
        {
            var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            return Task.FromResult(request);
        }, (code, _) => code is 429 or 503, cancellationToken);

        JsonNode? answer = null;
        try
        {
            answer = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (status is >= 200 and < 300 && answer is not null && (bool?)answer["success"] != false)
        {
            return answer;
        }

        var errors = answer?["errors"]?.AsArray().Select(e => $"{e?["code"]} {e?["message"]}").ToList();
        throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
            $"Cloudflare refused {method} {uri.AbsolutePath}: HTTP {status} {(errors is { Count: > 0 } ? string.Join("; ", errors) : ThrottledSender.Shorten(text))}"));
    }
}
