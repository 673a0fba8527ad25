using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>
/// Nginx Plus cannot run here; this stands in for its API (ngx_http_api_module) and checks what it checks:
/// versioned paths (/api/{1..9}/…; another number is 404 UnknownVersion), http and stream upstreams,
/// GET …/upstreams/{name} (peers: state, active, weight), GET …/servers, PATCH …/servers/{id} with a JSON
/// object of known parameters only (an unknown one or a bad value is 400 UpstreamConfFormatError), an
/// unknown upstream 404 UpstreamNotFound, an unknown server id 404 UpstreamServerNotFound, a read-only API
/// (api write=off) 405 MethodDisabled, and error bodies {"error":{"status","text","code"},"request_id","href"}.
/// A draining peer loses one active connection per read of the upstream (its clients finishing).
/// </summary>
public sealed class NginxPlusFake : IAsyncDisposable
{
    private static readonly HashSet<string> Known = ["server", "service", "weight", "max_conns", "max_fails", "fail_timeout", "slow_start", "route", "backup", "down", "drain"];
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();

    public NginxPlusFake(int port, string module, string upstream, params string[] servers)
    {
        Module = module;
        Upstream = upstream;
        for (var i = 0; i < servers.Length; i++)
        {
            Peers.Add(new Peer(i, servers[i]));
        }

        Url = $"http://127.0.0.1:{port}/api";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public string Module { get; }

    public string Upstream { get; }

    public bool ReadOnly { get; set; }

    public List<Peer> Peers { get; } = [];

    public List<string> Requests { get; } = [];

    public sealed class Peer(int id, string server)
    {
        public int Id { get; } = id;

        public string Server { get; } = server;

        public int Weight { get; set; } = 1;

        public bool Down { get; set; }

        public bool Drain { get; set; }

        public int Active { get; set; }

        public string State => Down ? "down" : Drain ? "draining" : "up";
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
            int status;
            JsonNode reply;
            lock (_gate)
            {
                Requests.Add($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath} {body}".Trim());
                (status, reply) = Handle(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, body);
            }

            var bytes = Encoding.UTF8.GetBytes(reply.ToJsonString());
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private (int, JsonNode) Handle(string method, string path, string body)
    {
        var parts = path.Trim('/').Split('/');
        if (parts.Length < 2 || parts[0] != "api")
        {
            return Error(404, "path not found", "PathNotFound");
        }

        if (!int.TryParse(parts[1], out var version) || version is < 1 or > 9)
        {
            return Error(404, "unknown version", "UnknownVersion");
        }

        if (parts.Length < 5 || parts[2] is not ("http" or "stream") || parts[3] != "upstreams")
        {
            return Error(404, "path not found", "PathNotFound");
        }

        if (parts[2] != Module || Uri.UnescapeDataString(parts[4]) != Upstream)
        {
            return Error(404, "upstream not found", "UpstreamNotFound");
        }

        if (parts.Length == 5)
        {
            if (method != "GET")
            {
                return Error(405, "method not supported", "MethodNotSupported");
            }

            foreach (var p in Peers.Where(p => p.Drain && p.Active > 0))
            {
                p.Active--;
            }

            return (200, new JsonObject
            {
                ["peers"] = new JsonArray(Peers.Select(p => (JsonNode)new JsonObject
                {
                    ["id"] = p.Id, ["server"] = p.Server, ["name"] = p.Server, ["backup"] = false, ["weight"] = p.Weight,
                    ["state"] = p.State, ["active"] = p.Active, ["requests"] = 0,
                }).ToArray()),
                ["keepalive"] = 0,
                ["zombies"] = 0,
                ["zone"] = Upstream,
            });
        }

        if (parts[5] != "servers")
        {
            return Error(404, "path not found", "PathNotFound");
        }

        if (parts.Length == 6)
        {
            return method == "GET"
                ? (200, new JsonArray(Peers.Select(p => (JsonNode)Config(p)).ToArray()))
                : Error(405, "method not supported", "MethodNotSupported");
        }

        var peer = int.TryParse(parts[6], out var id) ? Peers.FirstOrDefault(p => p.Id == id) : null;
        if (method != "PATCH")
        {
            return method is "GET" && peer is not null ? (200, Config(peer)) : Error(405, "method not supported", "MethodNotSupported");
        }

        if (ReadOnly)
        {
            return Error(405, "method disabled", "MethodDisabled");
        }

        if (peer is null)
        {
            return Error(404, "server not found", "UpstreamServerNotFound");
        }

        JsonObject patch;
        try
        {
            patch = JsonNode.Parse(body) as JsonObject ?? throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return Error(400, "json error", "UpstreamConfFormatError");
        }

        foreach (var (key, value) in patch)
        {
            if (!Known.Contains(key))
            {
                return Error(400, $"unknown parameter \"{key}\"", "UpstreamConfFormatError");
            }

            switch (key)
            {
                case "down" or "drain" when value?.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False):
                    return Error(400, $"invalid \"{key}\" value", "UpstreamConfFormatError");
                case "weight" when value?.GetValueKind() != System.Text.Json.JsonValueKind.Number || (int)value! < 1:
                    return Error(400, "invalid \"weight\" value", "UpstreamConfFormatError");
                case "drain" when (bool)value! == false:
                    // Nginx Plus accepts only "drain": true; leaving the drain state is "down": false.
                    return Error(400, "invalid \"drain\" value", "UpstreamConfFormatError");
            }
        }

        if (patch["weight"] is { } w)
        {
            peer.Weight = (int)w;
        }

        if (patch["down"] is { } d)
        {
            peer.Down = (bool)d;
            peer.Drain = false;
        }

        if (patch["drain"] is not null)
        {
            peer.Drain = true;
            peer.Down = false;
        }

        return (200, Config(peer));
    }

    private static JsonObject Config(Peer p) => new()
    {
        ["id"] = p.Id, ["server"] = p.Server, ["weight"] = p.Weight, ["max_conns"] = 0, ["max_fails"] = 1, ["fail_timeout"] = "10s",
        ["slow_start"] = "0s", ["route"] = "", ["backup"] = false, ["down"] = p.Down, ["drain"] = p.Drain,
    };

    private static (int, JsonNode) Error(int status, string text, string code) => (status, new JsonObject
    {
        ["error"] = new JsonObject { ["status"] = status, ["text"] = text, ["code"] = code },
        ["request_id"] = Guid.NewGuid().ToString("N"),
        ["href"] = "https://nginx.org/en/docs/http/ngx_http_api_module.html",
    });
}
