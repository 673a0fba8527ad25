using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vault.Notifications.Tests.Infrastructure;

/// <summary>
/// Slack's incoming webhook as documented: POST JSON to the secret path; 200 "ok" when valid;
/// 400 "invalid_payload" / "no_text" for a malformed message (Block Kit limits checked: header
/// plain_text ≤ 150, section text ≤ 3000, ≤ 10 fields of ≤ 2000, context ≤ 10 elements, colour a hex
/// or good/warning/danger); 404 "no_service" for a wrong path; 429 with Retry-After when scripted.
/// </summary>
public sealed partial class SlackFake() : HttpFake("/services/T000/B000/XXXXSECRETXXXX")
{
    public ConcurrentQueue<JsonElement> Accepted { get; } = new();

    public static FakeAnswer RateLimited(int seconds) => new(429, "rate_limited", Headers: new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    protected override FakeAnswer Answer(FakeRequest request)
    {
        if (request.Path != new Uri(Url).AbsolutePath)
        {
            return new FakeAnswer(404, "no_service");
        }

        if (!request.Headers.TryGetValue("Content-Type", out var type) || !type.StartsWith("application/json", StringComparison.Ordinal))
        {
            return new FakeAnswer(400, "invalid_payload");
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(request.Body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return new FakeAnswer(400, "invalid_payload");
        }

        var problem = Check(root);
        if (problem is not null)
        {
            return new FakeAnswer(400, problem);
        }

        Accepted.Enqueue(root);
        return new FakeAnswer(200, "ok");
    }

    private static string? Check(JsonElement root)
    {
        var hasText = root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String && text.GetString()!.Length > 0;
        if (!hasText && !root.TryGetProperty("blocks", out _))
        {
            return "no_text";
        }

        if (root.TryGetProperty("attachments", out var attachments))
        {
            foreach (var a in attachments.EnumerateArray())
            {
                if (a.TryGetProperty("color", out var color) && !ColourPattern().IsMatch(color.GetString() ?? ""))
                {
                    return "invalid_attachments";
                }

                if (a.TryGetProperty("blocks", out var blocks) && CheckBlocks(blocks) is { } bad)
                {
                    return bad;
                }
            }
        }

        return root.TryGetProperty("blocks", out var top) ? CheckBlocks(top) : null;
    }

    private static string? CheckBlocks(JsonElement blocks)
    {
        if (blocks.GetArrayLength() > 50)
        {
            return "invalid_blocks";
        }

        foreach (var block in blocks.EnumerateArray())
        {
            var type = block.GetProperty("type").GetString();
            switch (type)
            {
                case "header":
                    var h = block.GetProperty("text");
                    if (h.GetProperty("type").GetString() != "plain_text" || h.GetProperty("text").GetString()!.Length is 0 or > 150)
                    {
                        return "invalid_blocks";
                    }

                    break;
                case "section":
                    if (block.TryGetProperty("text", out var t) && (!IsText(t) || t.GetProperty("text").GetString()!.Length is 0 or > 3000))
                    {
                        return "invalid_blocks";
                    }

                    if (block.TryGetProperty("fields", out var fields)
                        && (fields.GetArrayLength() > 10 || fields.EnumerateArray().Any(f => !IsText(f) || f.GetProperty("text").GetString()!.Length is 0 or > 2000)))
                    {
                        return "invalid_blocks";
                    }

                    break;
                case "context":
                    var elements = block.GetProperty("elements");
                    if (elements.GetArrayLength() is 0 or > 10 || elements.EnumerateArray().Any(e => !IsText(e)))
                    {
                        return "invalid_blocks";
                    }

                    break;
                default:
                    return "invalid_blocks";
            }
        }

        return null;
    }

    private static bool IsText(JsonElement e) =>
        e.TryGetProperty("type", out var type) && type.GetString() is "mrkdwn" or "plain_text" && e.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String;

    [GeneratedRegex("^(#[0-9a-fA-F]{6}|good|warning|danger)$")]
    private static partial Regex ColourPattern();
}
