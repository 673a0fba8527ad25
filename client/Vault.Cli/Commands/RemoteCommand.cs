using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault remote exec|service|copy|trust</c>: operations on the remote hosts a node has configured (admin key).</summary>
public static partial class RemoteCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("remote", "Commands, services and files on remote hosts over SSH (hosts: Vault:Remote:Hosts of the node; admin key)");
        command.Subcommands.Add(Exec(globals));
        command.Subcommands.Add(Service(globals));
        command.Subcommands.Add(Copy(globals));
        command.Subcommands.Add(Trust(globals));
        return command;
    }

    private static Argument<string> HostArgument() => new("HOST") { Description = "The remote host's name in the node's configuration" };

    private static Option<string> NodeOption() => new("--node") { Description = "The node whose configuration names the host (default: the gateway's node)", HelpName = "NODE" };

    private static Command Exec(GlobalOptions globals)
    {
        var host = HostArgument();
        var words = new Argument<string[]>("COMMAND") { Description = "The command, after '--'; its words are joined with spaces and run by sh on the host", Arity = ArgumentArity.OneOrMore };
        var timeout = new Option<string?>("--timeout") { Description = "Limit on the run time (90s, 5m, 1h; default: the host's CommandTimeout); the remote process is ended when it passes", HelpName = "DURATION" };
        var node = NodeOption();
        var command = new Command("exec", "Run a command on a remote host; its output is printed as it arrives. Exit 0 when the command exits 0, else 1") { host, words, timeout, node };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var limit = parse.GetValue(timeout) is { } text ? ParseDuration(text) : (TimeSpan?)null;
            var line = string.Join(' ', parse.GetValue(words) ?? []);
            var stdout = new StreamText(context.Out);
            var stderr = new StreamText(context.Error);
            var collected = context.Json ? new StringBuilder() : null;
            var collectedErr = context.Json ? new StringBuilder() : null;
            RemoteExecResult? result = null;
            await foreach (var piece in context.Client.RemoteExecAsync(parse.GetValue(host)!, line, limit, parse.GetValue(node) ?? "", ct))
            {
                switch (piece.KindCase)
                {
                    case RemoteExecResponse.KindOneofCase.Stdout when collected is not null:
                        collected.Append(Encoding.UTF8.GetString(piece.Stdout.Span));
                        break;
                    case RemoteExecResponse.KindOneofCase.Stderr when collectedErr is not null:
                        collectedErr.Append(Encoding.UTF8.GetString(piece.Stderr.Span));
                        break;
                    case RemoteExecResponse.KindOneofCase.Stdout:
                        await stdout.WriteAsync(piece.Stdout.Memory);
                        break;
                    case RemoteExecResponse.KindOneofCase.Stderr:
                        await stderr.WriteAsync(piece.Stderr.Memory);
                        break;
                    case RemoteExecResponse.KindOneofCase.Result:
                        result = piece.Result;
                        break;
                }
            }

            await stdout.FlushAsync();
            await stderr.FlushAsync();
            if (result is null)
            {
                await context.Error.WriteLineAsync("vault: error: the gateway ended the command's output without a result");
                return ExitCodes.Error;
            }

            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    host = parse.GetValue(host),
                    command = line,
                    exitCode = result.HasExitCode ? result.ExitCode : (int?)null,
                    exitSignal = result.ExitSignal.Length == 0 ? null : result.ExitSignal,
                    timedOut = result.TimedOut,
                    durationSeconds = result.DurationSeconds,
                    stdout = collected!.ToString(),
                    stderr = collectedErr!.ToString(),
                    stdoutBytes = result.StdoutBytes,
                    stderrBytes = result.StderrBytes,
                }));
            }

            if (result.TimedOut)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"vault: the command timed out after {result.DurationSeconds:0.#} s and was ended on the host"));
                return ExitCodes.Error;
            }

            if (!result.HasExitCode || result.ExitCode != 0)
            {
                await context.Error.WriteLineAsync(result.HasExitCode
                    ? $"vault: the command exited with {result.ExitCode}"
                    : $"vault: the command ended without an exit code{(result.ExitSignal.Length > 0 ? $" (signal {result.ExitSignal})" : "")}");
                return ExitCodes.Error;
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Service(GlobalOptions globals)
    {
        var host = HostArgument();
        var name = new Argument<string>("NAME") { Description = "The service (systemd unit, or the name the host's ServiceCommand takes)" };
        var action = new Argument<string>("ACTION") { Description = "status, start, stop, restart or reload" };
        action.AcceptOnlyFromAmong("status", "start", "stop", "restart", "reload");
        var node = NodeOption();
        var command = new Command("service", "Start, stop, restart, reload or query a service on a remote host; waits until it reached the state") { host, name, action, node };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var s = await context.Client.RemoteServiceAsync(parse.GetValue(host)!, parse.GetValue(name)!, parse.GetValue(action)!, parse.GetValue(node) ?? "", ct);
            await context.Out.WriteLineAsync(context.Json
                ? Json.Serialize(new
                {
                    host = s.Host, service = s.Service, action = s.Action, activeState = s.ActiveState, subState = s.SubState, loadState = s.LoadState,
                    mainPid = s.HasMainPid ? s.MainPid : (int?)null, durationSeconds = s.DurationSeconds,
                })
                : $"{s.Service} on {s.Host}: {s.ActiveState} ({s.SubState}{(s.HasMainPid && s.MainPid > 0 ? $", pid {s.MainPid}" : "")})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Copy(GlobalOptions globals)
    {
        var source = new Argument<string>("SOURCE") { Description = "A local file, or HOST:/path" };
        var target = new Argument<string>("TARGET") { Description = "HOST:/path, or a local file (one side must be remote)" };
        var mode = new Option<string?>("--mode") { Description = "Octal permissions of an uploaded file (default: those of the file it replaces, 0644 for a new one)", HelpName = "MODE" };
        var node = NodeOption();
        var command = new Command("copy", "Copy a file to or from a remote host (SFTP, verified by SHA-256, replaced atomically; a few MiB at most through the gateway)") { source, target, mode, node };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(target)!;
            var cwd = context.Environment.CurrentDirectory;
            if (RemotePath(to) is { } up && RemotePath(from) is null)
            {
                int? bits = parse.GetValue(mode) is { } m ? ParseMode(m) : null;
                var bytes = await File.ReadAllBytesAsync(Path.GetFullPath(from, cwd), ct);
                var file = await context.Client.RemoteUploadAsync(up.Host, up.Path, bytes, bits, parse.GetValue(node) ?? "", ct);
                await context.Out.WriteLineAsync(context.Json
                    ? Json.Serialize(new { host = file.Host, path = file.Path, bytes = file.Bytes, sha256 = file.Sha256 })
                    : $"{from} -> {file.Host}:{file.Path}: {file.Bytes} bytes, sha256 {file.Sha256}");
                return ExitCodes.Ok;
            }

            if (RemotePath(from) is { } down && RemotePath(to) is null)
            {
                if (parse.GetValue(mode) is not null)
                {
                    throw new UsageException("--mode applies to uploads only");
                }

                var reply = await context.Client.RemoteDownloadAsync(down.Host, down.Path, parse.GetValue(node) ?? "", ct);
                var local = Path.GetFullPath(to, cwd);
                var temp = Path.Combine(Path.GetDirectoryName(local)!, $".{Path.GetFileName(local)}.vault-{Guid.NewGuid():N}"[..^16] + ".tmp");
                try
                {
                    await File.WriteAllBytesAsync(temp, reply.Content.ToByteArray(), ct);
                    File.Move(temp, local, overwrite: true);
                }
                finally
                {
                    File.Delete(temp);
                }

                await context.Out.WriteLineAsync(context.Json
                    ? Json.Serialize(new { host = reply.File.Host, path = reply.File.Path, bytes = reply.File.Bytes, sha256 = reply.File.Sha256, local })
                    : $"{reply.File.Host}:{reply.File.Path} -> {to}: {reply.File.Bytes} bytes, sha256 {reply.File.Sha256}");
                return ExitCodes.Ok;
            }

            throw new UsageException("exactly one of SOURCE and TARGET must be remote (HOST:/absolute/path)");
        }));
        return command;
    }

    private static Command Trust(GlobalOptions globals)
    {
        var host = HostArgument();
        var fingerprint = new Option<string?>("--fingerprint") { Description = "Record the host's key when its fingerprint is this one (SHA256:…, as `ssh-keygen -l` prints it); without it, only show the offered key", HelpName = "SHA256:…" };
        var node = NodeOption();
        var command = new Command("trust", "Show the host key a remote host offers; record it in known_hosts only with a matching --fingerprint") { host, fingerprint, node };
        command.SetAction((parse, ct) => globals.RunAsync(parse, ct, async context =>
        {
            var name = parse.GetValue(host)!;
            var key = await context.Client.RemoteTrustAsync(name, parse.GetValue(fingerprint) ?? "", parse.GetValue(node) ?? "", ct);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    host = key.Host, knownHostsName = key.KnownHostsName, keyType = key.KeyType, fingerprint = key.Fingerprint, verdict = key.Verdict,
                    pinned = key.Pinned.ToArray(), recorded = key.Recorded, replaced = key.Replaced.ToArray(),
                }));
                return ExitCodes.Ok;
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{key.Host} ({key.KnownHostsName}) offers {key.KeyType} {key.Fingerprint}\n");
            if (key.Recorded)
            {
                text.Append("recorded in known_hosts");
                text.Append(key.Replaced.Count > 0 ? $"; replaced {string.Join(", ", key.Replaced)}\n" : "\n");
            }
            else
            {
                text.Append(key.Verdict switch
                {
                    "trusted" => "trusted: known_hosts pins this key\n",
                    "unknown" => "unknown: known_hosts pins no key for this host\n",
                    "changed" => $"CHANGED: known_hosts pins {string.Join(", ", key.Pinned)}\n",
                    var v => $"{v}\n",
                });
                if (key.Verdict != "trusted")
                {
                    text.Append(CultureInfo.InvariantCulture, $"check the fingerprint out of band (ssh-keygen -l -f on the host), then: vault remote trust {name} --fingerprint {key.Fingerprint}\n");
                }
            }

            await context.Out.WriteAsync(text.ToString());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"HOST:/path" → (HOST, /path); anything else is local.</summary>
    internal static (string Host, string Path)? RemotePath(string text) =>
        RemoteSpec().Match(text) is { Success: true } m ? (m.Groups["host"].Value, m.Groups["path"].Value) : null;

    /// <summary>Whole numbers with units d, h, m, s, as the other commands take them: "90s", "5m", "1h30m".</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var total = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            throw new UsageException($"--timeout '{text}' is not a duration like 90s, 5m or 1h30m");
        }

        foreach (Match m in matches)
        {
            var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            total += m.Groups["unit"].Value switch
            {
                "d" => TimeSpan.FromDays(n),
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }

        return total > TimeSpan.Zero ? total : throw new UsageException($"--timeout '{text}' must be more than zero");
    }

    private static int ParseMode(string text)
    {
        try
        {
            var mode = Convert.ToInt32(text, 8);
            return mode is >= 0 and <= 0x1FF ? mode : throw new UsageException($"--mode '{text}' must be octal permissions 0000-0777");
        }
        catch (FormatException)
        {
            throw new UsageException($"--mode '{text}' must be octal permissions like 0640");
        }
    }

    [GeneratedRegex("^(?<host>[A-Za-z0-9][A-Za-z0-9._-]*):(?<path>/.*)$")]
    private static partial Regex RemoteSpec();

    [GeneratedRegex("(?<n>[0-9]{1,6})(?<unit>[dhms])")]
    private static partial Regex DurationPart();

    /// <summary>Bytes to a text writer as UTF-8, keeping a character split between two pieces whole.</summary>
    private sealed class StreamText(TextWriter writer)
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
        {
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            var count = _decoder.GetChars(bytes.Span, chars, flush: false);
            await writer.WriteAsync(chars.AsMemory(0, count));
            await writer.FlushAsync();
        }

        public async Task FlushAsync()
        {
            var chars = new char[8];
            var count = _decoder.GetChars([], chars, flush: true);
            await writer.WriteAsync(chars.AsMemory(0, count));
            await writer.FlushAsync();
        }
    }
}
