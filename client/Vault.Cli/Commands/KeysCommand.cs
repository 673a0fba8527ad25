using System.CommandLine;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault keys create --name N --role R | revoke NAME | list</c> (admin role).</summary>
public static class KeysCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var name = new Option<string>("--name") { Description = "Key name: 1-64 letters, digits, '.', '_' or '-'", Required = true, HelpName = "NAME" };
        var role = new Option<string>("--role")
        {
            Description = "reader (list, ls, dump, status), operator (+ backup, restore, cancel), admin (+ keys, audit) or append-only (backup and its own job only)",
            Required = true,
            HelpName = "ROLE",
        };
        role.AcceptOnlyFromAmong("reader", "operator", "admin", "append-only");
        var expires = new Option<string?>("--expires")
        {
            Description = "The key stops working after this long (90d, 12h, 1d12h) or at this time (2027-03-01T00:00:00Z); default: never",
            HelpName = "WHEN",
        };
        var create = new Command("create", "Create an API key and print its token (shown only this once)") { name, role, expires };
        create.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var r = parse.GetValue(role) switch
            {
                "reader" => Role.Reader,
                "operator" => Role.Operator,
                "append-only" => Role.AppendOnly,
                _ => Role.Admin,
            };
            var until = parse.GetValue(expires) is { } text ? KeyExpiry.Parse(text, DateTimeOffset.UtcNow) : (DateTimeOffset?)null;
            var created = await context.Client.CreateApiKeyAsync(parse.GetValue(name) ?? "", r, until, cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new { name = created.Key.Name, role = RoleName(created.Key.Role), token = created.Token, expires = created.Key.Expires?.ToDateTimeOffset() }));
            }
            else
            {
                await context.Out.WriteLineAsync(created.Token);
                await context.Error.WriteLineAsync($"vault: created {RoleName(created.Key.Role)} key '{created.Key.Name}'" +
                    (created.Key.Expires is null ? "" : $", expiring {Formatting.Time(created.Key.Expires, context.Environment.TimeZone)}") + "; the token above is shown only once");
            }

            return ExitCodes.Ok;
        }));

        var revokeName = new Argument<string>("NAME") { Description = "The key to revoke" };
        var revoke = new Command("revoke", "Revoke an API key: its token stops working at once") { revokeName };
        revoke.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var key = await context.Client.RevokeApiKeyAsync(parse.GetValue(revokeName) ?? "", cancellationToken);
            await context.Out.WriteLineAsync(context.Json ? Json.Serialize(new { name = key.Name, revoked = true }) : $"key '{key.Name}' revoked");
            return ExitCodes.Ok;
        }));

        var list = new Command("list", "List API keys (never their tokens)");
        list.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var keys = await context.Client.ListApiKeysAsync(cancellationToken);
            foreach (var key in keys)
            {
                var state = key.Revoked is not null ? "revoked " + Formatting.Time(key.Revoked, context.Environment.TimeZone)
                    : key.Expires is null ? "active"
                    : (key.Expires.ToDateTimeOffset() <= DateTimeOffset.UtcNow ? "expired " : "active, expires ") + Formatting.Time(key.Expires, context.Environment.TimeZone);
                await context.Out.WriteLineAsync(context.Json
                    ? Json.Serialize(new { name = key.Name, role = RoleName(key.Role), created = key.Created?.ToDateTimeOffset(), createdBy = key.CreatedBy, revoked = key.Revoked?.ToDateTimeOffset(), expires = key.Expires?.ToDateTimeOffset() })
                    : $"{key.Name,-24} {RoleName(key.Role),-8} {Formatting.Time(key.Created, context.Environment.TimeZone)}  by {key.CreatedBy}  {state}");
            }

            return ExitCodes.Ok;
        }));

        return new Command("keys", "Manage API keys (admin role)") { create, revoke, list, KeysRotateCommand.Create(globals) };
    }

    public static string RoleName(Role role) => role switch
    {
        Role.Reader => "reader",
        Role.Operator => "operator",
        Role.Admin => "admin",
        Role.AppendOnly => "append-only",
        _ => "unknown",
    };
}

/// <summary><c>vault audit [--limit N]</c>: the newest mutating calls (admin role).</summary>
public static class AuditCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var limit = new Option<int>("--limit") { Description = "Entries to show, newest first (1-1000)", DefaultValueFactory = _ => 50, HelpName = "N" };
        var command = new Command("audit", "Show the audit log: who changed what, when, with what result (admin role)") { limit };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            foreach (var e in await context.Client.ListAuditAsync(parse.GetValue(limit), cancellationToken))
            {
                await context.Out.WriteLineAsync(context.Json
                    ? Json.Serialize(new { time = e.Time?.ToDateTimeOffset(), who = e.Who, what = e.What, target = e.Target, result = e.Result, detail = e.Detail })
                    : $"{Formatting.Time(e.Time, context.Environment.TimeZone)}  {e.Who,-16} {e.What,-14} {e.Result,-16} {e.Target}{(e.Detail.Length > 0 ? "  (" + e.Detail + ")" : "")}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
