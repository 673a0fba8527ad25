// Nginx Plus as a traffic provider, through its REST API (ngx_http_api_module) at Traffic:ApiUrl with the
// version Traffic:ApiVersion: GET {api}/{v}/{module}/upstreams/{name} lists the peers with their state
// (up, draining, down, unavail, checking, unhealthy) and active connections; the writable configuration is
// {api}/{v}/{module}/upstreams/{name}/servers[/{id}], changed with PATCH bodies {"down":…}, {"drain":true},
// {"weight":…}; "down": false also ends a drain ("drain" takes only true). Errors come as {"error":{"status","text","code"},"request_id","href"}; the step reports
// the API's text and code. Each node's upstream server is its Host:Port.
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vault.Failover;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Traffic;

public sealed class NginxPlusTraffic(TrafficSpec spec, HttpClient http, TimeProvider time) : ITrafficProvider, ITrafficWeights
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private string Base => string.Create(CultureInfo.InvariantCulture, $"{spec.ApiUrl!.TrimEnd('/')}/{spec.ApiVersion}/{spec.ApiModule}/upstreams/{Uri.EscapeDataString(spec.Upstream!)}");

    public override string ToString() => $"Nginx Plus API {spec.ApiUrl} upstream {spec.Upstream}";

    public async Task<string> PreflightAsync(IReadOnlyList<FailoverNodeSpec> nodes, CancellationToken cancellationToken)
    {
        var servers = await ServersAsync(cancellationToken);
        var missing = nodes.Select(n => n.Endpoint).Where(e => !servers.Any(s => s.Server == e)).ToList();
        return missing.Count == 0
            ? $"{this} answers; servers {string.Join(", ", servers.Select(s => $"{s.Server} (id {s.Id}{(s.Down ? ", down" : "")})"))}"
            : throw new FailoverStepException($"{this} has no server {string.Join(", ", missing)}");
    }

    public async Task<string> EnableAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var state = await PatchAsync(node.Endpoint, new JsonObject { ["down"] = false }, cancellationToken);
        return state.InService ? $"Nginx Plus {state}" : throw new FailoverStepException($"Nginx Plus reports {state} after setting it up");
    }

    public async Task<string> DisableAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        var state = await PatchAsync(node.Endpoint, new JsonObject { ["down"] = true }, cancellationToken);
        return !state.InService ? $"Nginx Plus {state}" : throw new FailoverStepException($"Nginx Plus reports {state} after setting it down");
    }

    public async Task<string> DrainAsync(FailoverNodeSpec node, CancellationToken cancellationToken)
    {
        await PatchAsync(node.Endpoint, new JsonObject { ["drain"] = true }, cancellationToken);
        var started = time.GetTimestamp();
        while (true)
        {
            var state = await GetStateAsync(node, cancellationToken);
            var took = time.GetElapsedTime(started);
            if (state.Sessions is 0 or null)
            {
                return string.Create(CultureInfo.InvariantCulture, $"Nginx Plus {state.Server} drained: no connection left after {took.TotalSeconds:0.0} s");
            }

            if (took >= spec.DrainTimeout)
            {
                throw new FailoverStepException(string.Create(CultureInfo.InvariantCulture,
                    $"Nginx Plus {state.Server} still has {state.Sessions} active connection(s) after draining for {spec.DrainTimeout.TotalSeconds:0.#} s (Traffic:DrainTimeout)"));
            }

            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    public async Task<TrafficServerState> GetStateAsync(FailoverNodeSpec node, CancellationToken cancellationToken) => await StateAsync(node.Endpoint, cancellationToken);

    public async Task SetWeightAsync(string target, int weight, CancellationToken cancellationToken)
    {
        var body = weight == 0 ? new JsonObject { ["down"] = true } : new JsonObject { ["weight"] = weight, ["down"] = false };
        var state = await PatchAsync(target, body, cancellationToken);
        if (weight == 0 ? state.InService : state.Weight != weight)
        {
            throw new FailoverStepException($"Nginx Plus reports {state} after setting weight {weight}");
        }
    }

    public async Task<int> GetWeightAsync(string target, CancellationToken cancellationToken)
    {
        var state = await StateAsync(target, cancellationToken);
        return state.InService ? state.Weight ?? 1 : 0;
    }

    private async Task<TrafficServerState> StateAsync(string address, CancellationToken cancellationToken)
    {
        var upstream = await SendAsync(HttpMethod.Get, Base, null, cancellationToken);
        var peer = (upstream["peers"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p => (string?)p["server"] == address)
            ?? throw new FailoverStepException($"{this} has no peer {address}");
        var status = (string?)peer["state"] ?? "unknown";
        return new TrafficServerState(address, status, status is "up" or "checking", (long?)peer["active"], (int?)peer["weight"]);
    }

    private async Task<TrafficServerState> PatchAsync(string address, JsonObject body, CancellationToken cancellationToken)
    {
        var found = (await ServersAsync(cancellationToken)).Where(s => s.Server == address).ToList();
        var server = found.Count > 0 ? found[0] : throw new FailoverStepException($"{this} has no server {address}");
        await SendAsync(HttpMethod.Patch, string.Create(CultureInfo.InvariantCulture, $"{Base}/servers/{server.Id}"), body, cancellationToken);
        return await StateAsync(address, cancellationToken);
    }

    private async Task<List<(long Id, string Server, bool Down)>> ServersAsync(CancellationToken cancellationToken)
    {
        var list = await SendAsync(HttpMethod.Get, Base + "/servers", null, cancellationToken);
        return list is JsonArray a
            ? a.OfType<JsonObject>().Select(s => ((long?)s["id"] ?? -1, (string?)s["server"] ?? "", (bool?)s["down"] ?? false)).ToList()
            : throw new FailoverStepException($"{this}: GET {Base}/servers did not answer a JSON array");
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string url, JsonObject? body, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(spec.Timeout);
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            JsonNode? json = null;
            try
            {
                json = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }

            if (response.IsSuccessStatusCode)
            {
                return json ?? new JsonObject();
            }

            var error = json?["error"];
            var detail = error is null ? text.Trim() : $"{(string?)error["text"]} ({(string?)error["code"]})";
            throw new FailoverStepException($"{this}: {method} {url} answered HTTP {(int)response.StatusCode}: {detail}{Hint(response.StatusCode)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"{this} did not answer {method} {url} within {spec.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new FailoverStepException($"{this} cannot be reached for {method} {url}: {e.Message}", e);
        }
    }

    private static string Hint(HttpStatusCode status) => status switch
    {
        HttpStatusCode.MethodNotAllowed => "; the API is read-only (api write=on is needed)",
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => "; access to the API is restricted",
        _ => "",
    };
}
