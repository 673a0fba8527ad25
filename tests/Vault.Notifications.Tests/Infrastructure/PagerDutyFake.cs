using System.Collections.Concurrent;
using System.Text.Json;

namespace Vault.Notifications.Tests.Infrastructure;

/// <summary>
/// PagerDuty Events API v2 (/v2/enqueue) as documented: routing_key of 32 characters, event_action
/// trigger|acknowledge|resolve, dedup_key ≤ 255 (required to resolve), a trigger's payload with summary
/// (≤ 1024), source and severity (critical|error|warning|info), timestamp ISO 8601 if given. Valid:
/// 202 {"status":"success",…,"dedup_key"}; invalid: 400 {"status":"invalid event","errors":[…]};
/// 429 when scripted. Keeps the incidents by dedup key (open or resolved), as PagerDuty folds them.
/// </summary>
public sealed class PagerDutyFake(string routingKey) : HttpFake("/v2/enqueue")
{
    public ConcurrentQueue<JsonElement> Accepted { get; } = new();

    public ConcurrentDictionary<string, string> Incidents { get; } = new();

    protected override FakeAnswer Answer(FakeRequest request)
    {
        if (request.Path != "/v2/enqueue")
        {
            return new FakeAnswer(404, "Not Found");
        }

        var errors = new List<string>();
        JsonElement root = default;
        try
        {
            root = JsonDocument.Parse(request.Body).RootElement.Clone();
        }
        catch (JsonException)
        {
            errors.Add("Event object is not valid JSON");
        }

        if (errors.Count == 0)
        {
            Check(root, errors);
        }

        if (errors.Count > 0)
        {
            return Json(400, new { status = "invalid event", message = "Event object is invalid", errors });
        }

        var action = root.GetProperty("event_action").GetString()!;
        var key = root.TryGetProperty("dedup_key", out var k) ? k.GetString()! : Guid.NewGuid().ToString("N");
        if (root.GetProperty("routing_key").GetString() != routingKey)
        {
            // PagerDuty accepts the event and drops it for an unknown integration key; the fake refuses, to catch the mistake.
            return Json(400, new { status = "invalid event", message = "Event object is invalid", errors = new[] { "'routing_key' is not a known integration key" } });
        }

        Accepted.Enqueue(root);
        Incidents[key] = action == "resolve" ? "resolved" : action == "acknowledge" ? "acknowledged" : "triggered";
        return Json(202, new { status = "success", message = "Event processed", dedup_key = key });
    }

    private static void Check(JsonElement root, List<string> errors)
    {
        if (!root.TryGetProperty("routing_key", out var rk) || rk.ValueKind != JsonValueKind.String || rk.GetString()!.Length != 32)
        {
            errors.Add("'routing_key' must be a 32 character integration key");
        }

        var action = root.TryGetProperty("event_action", out var a) ? a.GetString() : null;
        if (action is not ("trigger" or "acknowledge" or "resolve"))
        {
            errors.Add("'event_action' must be one of trigger, acknowledge, resolve");
            return;
        }

        var hasKey = root.TryGetProperty("dedup_key", out var dk) && dk.ValueKind == JsonValueKind.String && dk.GetString()!.Length is > 0 and <= 255;
        if (root.TryGetProperty("dedup_key", out _) && !hasKey)
        {
            errors.Add("'dedup_key' must be a string of 1 to 255 characters");
        }

        if (action != "trigger")
        {
            if (!hasKey)
            {
                errors.Add($"'dedup_key' is required for {action}");
            }

            return;
        }

        if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
        {
            errors.Add("'payload' is missing or not an object");
            return;
        }

        if (!payload.TryGetProperty("summary", out var summary) || summary.GetString() is not { Length: > 0 and <= 1024 })
        {
            errors.Add("'payload.summary' is required (1 to 1024 characters)");
        }

        if (!payload.TryGetProperty("source", out var source) || source.GetString() is not { Length: > 0 })
        {
            errors.Add("'payload.source' is required");
        }

        if (!payload.TryGetProperty("severity", out var severity) || severity.GetString() is not ("critical" or "error" or "warning" or "info"))
        {
            errors.Add("'payload.severity' must be one of critical, error, warning, info");
        }

        if (payload.TryGetProperty("timestamp", out var ts) && !DateTimeOffset.TryParse(ts.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
        {
            errors.Add("'payload.timestamp' must be an ISO 8601 timestamp");
        }

        if (payload.TryGetProperty("custom_details", out var details) && details.ValueKind != JsonValueKind.Object)
        {
            errors.Add("'payload.custom_details' must be an object");
        }

        if (root.TryGetProperty("links", out var links) && (links.ValueKind != JsonValueKind.Array || links.EnumerateArray().Any(l => !l.TryGetProperty("href", out _))))
        {
            errors.Add("'links' must be an array of objects with href");
        }
    }

    private static FakeAnswer Json(int status, object body) => new(status, JsonSerializer.Serialize(body), "application/json");
}
