using System.CommandLine;
using System.Globalization;
using System.Text;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault offsite status</c> (docs/offsite.md).</summary>
public static class OffsiteCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("offsite", "The off-site copy in object storage: upload lag per target");

        var node = new Option<string>("--node") { Description = "The node whose upload queues to show (default: the node that answers)" };
        var status = new Command("status", "Show a node's off-site upload queues: pending packs and bytes, age of the oldest pending upload, last error per target") { node };
        status.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var s = await context.Client.GetOffsiteStatusAsync(parse.GetValue(node) ?? "", cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    node = s.Node,
                    targets = s.Targets.Select(t => new
                    {
                        target = t.Target,
                        pendingPacks = t.PendingPacks,
                        pendingBytes = t.PendingBytes,
                        pendingObjects = t.PendingObjects,
                        oldestPendingSeconds = t.OldestPendingSeconds,
                        uploadedObjects = t.UploadedObjects,
                        uploadedBytes = t.UploadedBytes,
                        lastError = t.LastError.Length > 0 ? t.LastError : null,
                        lastErrorAt = t.LastErrorAt?.ToDateTimeOffset(),
                        lagging = t.Lagging,
                    }).ToArray(),
                }));
            }
            else
            {
                await context.Out.WriteAsync(Text(s));
            }

            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(status);
        return command;
    }

    private static string Text(OffsiteStatus s)
    {
        var text = new StringBuilder();
        if (s.Targets.Count == 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"node {s.Node}: no off-site targets (Vault:Offsite:Targets)");
            return text.ToString();
        }

        foreach (var t in s.Targets)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"node {s.Node} → {t.Target}: {t.PendingPacks} packs ({t.PendingBytes} bytes) pending, {t.PendingObjects} objects in all, oldest {t.OldestPendingSeconds:0} s{(t.Lagging ? " (lagging)" : "")}; uploaded {t.UploadedObjects} objects ({t.UploadedBytes} bytes) since start");
            if (t.LastError.Length > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  last error{(t.LastErrorAt is { } at ? $" at {at.ToDateTimeOffset():u}" : "")}: {t.LastError}");
            }
        }

        return text.ToString();
    }
}
