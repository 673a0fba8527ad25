using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Vault.Failover.Tests.Fakes;

/// <summary>
/// Cloudflare's v4 API for zones and dns_records, checking what Cloudflare checks: the API token
/// (Authorization: Bearer; a wrong one gets 403 with error 10000 "Authentication error"), the zone id,
/// the record's type and content (9005 "Content for A record is invalid"), names inside the zone, and
/// answering in Cloudflare's {success, errors, messages, result} envelope. A change is applied at once
/// and mirrored through <see cref="OnChanged"/> (into BIND in the tests). Throttling: 429 + Retry-After, code 971.
/// </summary>
public sealed class FakeCloudflare : IAsyncDisposable
{
    public const string Token = "vault-test-cloudflare-token-0123456789";
    public const string ZoneId = "023e105f4ecef8ad9ca31a8372d0c353";

    private readonly FakeHttpServer _server;
    private readonly object _lock = new();
    private int _recordNo;

    private FakeCloudflare(FakeHttpServer server) => _server = server;

    public string Url => _server.Url + "/client/v4";

    public string ZoneName { get; set; } = "vault.test";

    public ConcurrentDictionary<string, JsonObject> Records { get; } = new();

    public Func<string, string, IReadOnlyList<string>, Task>? OnChanged { get; set; }

    public int ThrottleNext { get; set; }

    public int Requests;

    public static async Task<FakeCloudflare> StartAsync(int port)
    {
        FakeCloudflare? fake = null;
        var server = await FakeHttpServer.StartAsync(port, app => app.Run(context => fake!.HandleAsync(context)));
        fake = new FakeCloudflare(server);
        return fake;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref Requests);
        if (ThrottleNext > 0)
        {
            ThrottleNext--;
            context.Response.Headers.RetryAfter = "1";
            await FailAsync(context, 429, 971, "Please wait and consider throttling your request speed");
            return;
        }

        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            await FailAsync(context, 403, 10000, "Authentication error");
            return;
        }

        var path = context.Request.Path.Value ?? "";
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "client" || parts[1] != "v4" || parts[2] != "zones")
        {
            await FailAsync(context, 400, 7000, "No route for that URI");
            return;
        }

        if (parts.Length == 3 && context.Request.Method == "GET")
        {
            var name = context.Request.Query["name"].ToString();
            var zones = name.Length == 0 || name == ZoneName ? new JsonArray(Zone()) : [];
            await OkAsync(context, zones);
            return;
        }

        if (parts[3] != ZoneId)
        {
            await FailAsync(context, 400, 7003, $"Could not route to /zones/{parts[3]}, perhaps your object identifier is invalid?");
            return;
        }

        if (parts.Length == 4 && context.Request.Method == "GET")
        {
            await OkAsync(context, Zone());
            return;
        }

        if (parts.Length < 5 || parts[4] != "dns_records")
        {
            await FailAsync(context, 400, 7000, "No route for that URI");
            return;
        }

        if (parts.Length == 5 && context.Request.Method == "GET")
        {
            var type = context.Request.Query["type"].ToString();
            var name = context.Request.Query["name"].ToString();
            var list = Records.Values.Where(r => (type.Length == 0 || (string?)r["type"] == type) && (name.Length == 0 || (string?)r["name"] == name))
                .OrderBy(r => (string?)r["id"], StringComparer.Ordinal).Select(r => r.DeepClone()).ToArray();
            await OkAsync(context, new JsonArray(list));
            return;
        }

        if (parts.Length == 5 && context.Request.Method == "POST")
        {
            await WriteAsync(context, null);
            return;
        }

        if (parts.Length == 6 && context.Request.Method is "PUT" or "DELETE")
        {
            if (!Records.TryGetValue(parts[5], out var existing))
            {
                await FailAsync(context, 404, 81044, "Record does not exist.");
                return;
            }

            if (context.Request.Method == "PUT")
            {
                await WriteAsync(context, parts[5]);
                return;
            }

            Records.TryRemove(parts[5], out _);
            await MirrorAsync((string)existing["name"]!, (string)existing["type"]!);
            await OkAsync(context, new JsonObject { ["id"] = parts[5] });
            return;
        }

        await FailAsync(context, 405, 10405, "Method not allowed for api");
    }

    private async Task WriteAsync(HttpContext context, string? id)
    {
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (System.Text.Json.JsonException)
        {
            await FailAsync(context, 400, 9207, "Request body is invalid.");
            return;
        }

        var type = (string?)body?["type"] ?? "";
        var name = ((string?)body?["name"] ?? "").ToLowerInvariant();
        var content = (string?)body?["content"] ?? "";
        if (type is not ("A" or "AAAA" or "CNAME" or "MX" or "TXT" or "NS" or "CAA"))
        {
            await FailAsync(context, 400, 9004, $"DNS record type \"{type}\" is invalid.");
            return;
        }

        if (!(name == ZoneName || name.EndsWith("." + ZoneName, StringComparison.Ordinal)))
        {
            await FailAsync(context, 400, 9007, $"Content for {type} record is invalid. The record name {name} is not in the zone {ZoneName}.");
            return;
        }

        var ok = type switch
        {
            "A" => IPAddress.TryParse(content, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork,
            "AAAA" => IPAddress.TryParse(content, out var b) && b.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
            "MX" => content.Length > 0 && body?["priority"] is not null,
            _ => content.Length > 0,
        };
        if (!ok)
        {
            await FailAsync(context, 400, 9005, type switch
            {
                "A" => "Content for A record is invalid. Must be a valid IPv4 address",
                "AAAA" => "Content for AAAA record is invalid. Must be a valid IPv6 address",
                "MX" => "MX records require a priority and a mail server name",
                _ => $"Content for {type} record is invalid.",
            });
            return;
        }

        JsonObject record;
        lock (_lock)
        {
            id ??= $"{Interlocked.Increment(ref _recordNo):D4}{Guid.NewGuid():N}"[..32];
            record = new JsonObject
            {
                ["id"] = id, ["zone_id"] = ZoneId, ["zone_name"] = ZoneName, ["type"] = type, ["name"] = name, ["content"] = content,
                ["ttl"] = (int?)body?["ttl"] ?? 1, ["proxied"] = false, ["priority"] = (int?)body?["priority"],
            };
            Records[id] = record;
        }

        await MirrorAsync(name, type);
        await OkAsync(context, record.DeepClone());
    }

    private async Task MirrorAsync(string name, string type)
    {
        if (OnChanged is { } mirror)
        {
            var values = Records.Values.Where(r => (string?)r["name"] == name && (string?)r["type"] == type)
                .Select(r => type == "MX" ? $"{(int?)r["priority"]} {r["content"]}" : (string)r["content"]!).ToList();
            await mirror(name + ".", type, values);
        }
    }

    private JsonObject Zone() => new()
    {
        ["id"] = ZoneId, ["name"] = ZoneName, ["status"] = "active", ["name_servers"] = new JsonArray("ns1.vault.test", "ns2.vault.test"),
    };

    private static Task OkAsync(HttpContext context, JsonNode result) =>
        context.Response.WriteAsJsonAsync(new JsonObject { ["success"] = true, ["errors"] = new JsonArray(), ["messages"] = new JsonArray(), ["result"] = result });

    private static Task FailAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["success"] = false, ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }), ["messages"] = new JsonArray(), ["result"] = null,
        });
    }
}
