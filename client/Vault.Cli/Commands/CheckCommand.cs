using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault check [--read-data | --read-data-subset N% | --read-data-subset n/t] [--node N]</c></summary>
public static class CheckCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var readData = new Option<bool>("--read-data") { Description = "Also read and verify the data of every pack (hash, every blob)" };
        var subset = new Option<string?>("--read-data-subset")
        {
            Description = "Read and verify a share of the packs: N% (a random window of that width) or n/t (the n-th of t fixed groups: 1/4 … 4/4 read everything)",
            HelpName = "N%|n/t",
        };
        var node = new Option<string?>("--node", "-n") { Description = "Node that runs the check (default: the gateway's node)", HelpName = "NODE" };

        var command = new Command("check", "Verify the repository: every snapshot's trees and chunks, every pack on a node, and optionally the pack data")
        {
            readData, subset, node,
        };
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var request = new StartCheckRequest { Node = parse.GetValue(node) ?? "" };
            if (parse.GetValue(subset) is { } text)
            {
                if (parse.GetValue(readData))
                {
                    throw new UsageException("give --read-data or --read-data-subset, not both");
                }

                var (percent, offset) = ParseSubset(text);
                request.ReadDataPercent = percent;
                if (offset is { } start)
                {
                    request.ReadDataOffset = start;
                }
            }
            else if (parse.GetValue(readData))
            {
                request.ReadDataPercent = 100;
            }

            return await RunAsync(context, request, cancellationToken);
        }));
        return command;
    }

    /// <summary>
    /// "N%" (0 &lt; N ≤ 100; a random window) or "n/t" (1 ≤ n ≤ t ≤ 10000; the n-th of t windows, which
    /// together cover every pack): the percent of packs to read and where the window starts (null = random).
    /// </summary>
    public static (double Percent, double? Offset) ParseSubset(string text)
    {
        text = text.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var t)
                && t is >= 1 and <= 10000 && n >= 1 && n <= t)
            {
                var width = 100.0 / t;
                return (width, (n - 1) * width);
            }

            throw new UsageException($"--read-data-subset '{text}': n/t needs whole numbers with 1 <= n <= t <= 10000");
        }

        var number = text.EndsWith('%') ? text[..^1] : text;
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100)
        {
            return (percent, null);
        }

        throw new UsageException($"--read-data-subset '{text}' must be a percentage above 0 and at most 100 (for example 10%) or n/t (for example 2/5)");
    }

    private static async Task<int> RunAsync(CommandContext context, StartCheckRequest request, CancellationToken cancellationToken)
    {
        var started = await context.Client.StartCheckAsync(request, cancellationToken);
        var job = await JobWatcher.FollowAsync(context, started, cancellationToken);
        await JobWatcher.WriteWarningsAsync(context, job);

        var problems = job.Progress?.Errors ?? 0;
        if (job.State == JobState.Cancelled)
        {
            await context.Error.WriteLineAsync("vault: error: the check job was cancelled");
            return ExitCodes.FromJob(job);
        }

        if (job.State != JobState.Succeeded && problems == 0)
        {
            await context.Error.WriteLineAsync($"vault: error: check failed: {(job.Error.Length == 0 ? "unknown error" : job.Error)}");
            return ExitCodes.FromJob(job);
        }

        var duration = JobWatcher.Elapsed(job);
        if (context.Json)
        {
            await context.Out.WriteLineAsync(Json.Serialize(new
            {
                job = job.Id,
                node = job.Node,
                ok = problems == 0,
                problems,
                readDataPercent = request.ReadDataPercent,
                warnings = job.Warnings.ToArray(),
                progress = Json.Progress(job.Progress),
                durationSeconds = duration.TotalSeconds,
            }));
        }
        else if (problems == 0)
        {
            await context.Out.WriteLineAsync(Summary(job, request.ReadDataPercent, duration));
        }

        if (problems > 0)
        {
            await context.Error.WriteLineAsync($"vault: error: {(job.Error.Length == 0 ? $"check found {problems} problems" : job.Error)}");
            return ExitCodes.ProblemsFound;
        }

        return ExitCodes.Ok;
    }

    /// <summary>The text of a check that found nothing wrong.</summary>
    public static string Summary(Job job, double readDataPercent, TimeSpan duration)
    {
        var progress = job.Progress ?? new JobProgress();
        var data = readDataPercent > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Formatting.Bytes(progress.BytesDone)} of pack data ({readDataPercent:0.##}% of the packs) read and verified")
            : "pack data not read (--read-data to verify it)";
        return string.Create(CultureInfo.InvariantCulture,
            $"no problems found on node {job.Node}: {progress.FilesDone} snapshots and packs checked, {data}, in {Formatting.Duration(duration)}");
    }
}
