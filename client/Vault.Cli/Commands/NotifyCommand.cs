using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault notify status</c> and <c>vault notify test CHANNEL</c> (docs/notifications.md).</summary>
public static class NotifyCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("notify", "Notifications: a node's outbox (pending, dead-lettered, last error per channel) and test messages");

        var statusNode = new Option<string>("--node") { Description = "The node whose outbox to show (default: the node that answers)" };
        var status = new Command("status", "Show a node's notification outbox: pending and dead-lettered deliveries and the last error per channel, open conditions") { statusNode };
        status.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var s = await context.Client.GetNotifyStatusAsync(parse.GetValue(statusNode) ?? "", cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    node = s.Node,
                    pending = s.Pending,
                    deadLettered = s.DeadLettered,
                    deadLettersDropped = s.DeadLettersDropped,
                    channels = s.Channels.Select(c => new
                    {
                        name = c.Name,
                        type = c.Type,
                        pending = c.Pending,
                        deadLettered = c.DeadLettered,
                        delivered = c.Delivered,
                        failedAttempts = c.FailedAttempts,
                        lastError = c.LastError.Length > 0 ? c.LastError : null,
                        lastErrorAt = c.LastErrorAt?.ToDateTimeOffset(),
                        lastDelivered = c.LastDelivered?.ToDateTimeOffset(),
                        nextAttempt = c.NextAttempt?.ToDateTimeOffset(),
                    }).ToArray(),
                    openConditions = s.OpenConditions.Select(c => new
                    {
                        kind = c.Kind,
                        subject = c.Subject,
                        severity = c.Severity,
                        lastSent = c.LastSent?.ToDateTimeOffset(),
                        suppressed = c.Suppressed,
                    }).ToArray(),
                }));
            }
            else
            {
                await context.Out.WriteAsync(Text(s, context.Environment.TimeZone));
            }

            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(status);

        var channel = new Argument<string>("CHANNEL") { Description = "A channel name under Vault:Notifications:Channels" };
        var testNode = new Option<string>("--node") { Description = "The node that sends it (default: the node that answers)" };
        var test = new Command("test", "Send a test message to one channel (past rules, quiet hours and dedup) and report its first outcome") { channel, testNode };
        test.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var r = await context.Client.TestNotifyChannelAsync(parse.GetValue(channel)!, parse.GetValue(testNode) ?? "", cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    node = r.Node,
                    channel = r.Channel,
                    delivery = r.Delivery,
                    outcome = r.Outcome,
                    attempts = r.Attempts,
                    error = r.Error.Length > 0 ? r.Error : null,
                }));
            }
            else
            {
                await context.Out.WriteLineAsync($"test message {r.Delivery} from node {r.Node} to channel {r.Channel}: {r.Outcome}"
                    + (r.Error.Length > 0 ? $" ({r.Error})" : ""));
            }

            return r.Outcome == "delivered" ? ExitCodes.Ok : ExitCodes.Error;
        }));
        command.Subcommands.Add(test);
        return command;
    }

    public static string Text(NotifyStatus s, TimeZoneInfo zone)
    {
        var rows = s.Channels.Select(c => (IReadOnlyList<string>)
        [
            c.Name,
            c.Type,
            c.Pending.ToString(CultureInfo.InvariantCulture),
            c.DeadLettered.ToString(CultureInfo.InvariantCulture),
            c.Delivered.ToString(CultureInfo.InvariantCulture),
            c.NextAttempt is null ? "-" : Formatting.Time(c.NextAttempt, zone),
            c.LastError.Length > 0 ? $"{Formatting.Time(c.LastErrorAt, zone)} {c.LastError}" : "-",
        ]);
        var text = string.Create(CultureInfo.InvariantCulture, $"node {s.Node}: {s.Pending} pending, {s.DeadLettered} dead-lettered")
            + (s.DeadLettersDropped > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({s.DeadLettersDropped} older dead letters dropped)") : "") + "\n"
            + Formatting.Table(["CHANNEL", "TYPE", "PENDING", "DEAD", "DELIVERED", "NEXT ATTEMPT", "LAST ERROR"], rows, new HashSet<int> { 2, 3, 4 });
        if (s.OpenConditions.Count > 0)
        {
            text += "\nopen conditions:\n" + Formatting.Table(["KIND", "SUBJECT", "SEVERITY", "LAST SENT", "SUPPRESSED"],
                s.OpenConditions.Select(c => (IReadOnlyList<string>)[c.Kind, c.Subject, c.Severity, Formatting.Time(c.LastSent, zone), c.Suppressed.ToString(CultureInfo.InvariantCulture)]),
                new HashSet<int> { 4 });
        }

        return text;
    }
}
