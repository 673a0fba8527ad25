using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault status</c></summary>
public static class StatusCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("status", "Show the gateway's version, the repository, the snapshot count and the nodes");
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var status = await context.Client.GetStatusAsync(cancellationToken);
            var peers = status.ClusterMode == "cluster" ? await context.Client.ListPeersAsync(cancellationToken) : null;
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    version = status.Version,
                    cliVersion = CliVersion,
                    repository = status.RepositoryId,
                    clusterMode = status.ClusterMode,
                    snapshotCount = status.SnapshotCount,
                    nodes = status.Nodes.Select(n => new
                    {
                        node = n.Node,
                        silo = n.Silo,
                        packCount = n.PackCount,
                        usedBytes = n.UsedBytes,
                        freeBytes = n.FreeBytes,
                        runningJobs = n.RunningJobs,
                        scrub = n.Scrub is { } scrub ? new
                        {
                            enabled = scrub.Enabled,
                            coverage = scrub.Coverage,
                            lastCycleCompleted = scrub.LastCycleCompleted?.ToDateTimeOffset(),
                            corruptFound = scrub.CorruptFound,
                            repaired = scrub.Repaired,
                            unrepaired = scrub.Unrepaired.ToArray(),
                        } : null,
                    }).ToArray(),
                    cluster = peers is null ? null : new
                    {
                        replicas = peers.Replicas,
                        writeQuorum = peers.WriteQuorum,
                        up = peers.Peers.Count(p => p.State == "up"),
                        down = peers.Peers.Count(p => p.State == "down"),
                        decommissioning = peers.Peers.Count(p => p.State == "decommissioning"),
                        underReplicated = peers.Peers.Sum(p => p.UnderReplicated),
                    },
                }));
            }
            else
            {
                await context.Out.WriteAsync(Text(status, context.Gateway));
                await context.Out.WriteAsync(ScrubText(status, context.Environment.TimeZone));
                if (peers is not null)
                {
                    await context.Out.WriteAsync("cluster:    " + PeersCommand.Text(peers).Split('\n')[0] + "\n");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The version of this CLI (informational version without build metadata).</summary>
    public static string CliVersion { get; } = GetVersion();

    public static string Text(GetStatusResponse status, Uri gateway)
    {
        var text =
            $"gateway:    {gateway} (version {Or(status.Version, "unknown")}; cli {CliVersion})\n" +
            $"repository: {Or(status.RepositoryId, "-")}\n" +
            (status.ClusterMode.Length > 0 ? $"mode:       {status.ClusterMode}\n" : "") +
            string.Create(CultureInfo.InvariantCulture, $"snapshots:  {status.SnapshotCount}\n");
        if (status.Nodes.Count == 0)
        {
            return text + "nodes:      none reported\n";
        }

        var rows = status.Nodes.Select(n => (IReadOnlyList<string>)
        [
            n.Node,
            n.Silo,
            n.PackCount.ToString(CultureInfo.InvariantCulture),
            Formatting.Bytes(n.UsedBytes),
            Formatting.Bytes(n.FreeBytes),
            n.RunningJobs.ToString(CultureInfo.InvariantCulture),
        ]);
        return text + "nodes:\n" + Formatting.Table(["NODE", "SILO", "PACKS", "USED", "FREE", "JOBS"], rows, new HashSet<int> { 2, 3, 4, 5 });
    }

    /// <summary>One line per node on its scrubbing, and one per damaged pack copy it left in place.</summary>
    public static string ScrubText(GetStatusResponse status, TimeZoneInfo zone)
    {
        var nodes = status.Nodes.Where(n => n.Scrub is not null).ToList();
        if (nodes.Count == 0)
        {
            return "";
        }

        var text = new System.Text.StringBuilder("scrub:\n");
        foreach (var n in nodes)
        {
            var scrub = n.Scrub;
            var last = scrub.LastCycleCompleted is null ? "no full pass yet" : "last full pass " + Formatting.Time(scrub.LastCycleCompleted, zone);
            text.Append(CultureInfo.InvariantCulture,
                $"  {n.Node}: {scrub.Coverage:P1} of packs verified within the period, {last}{(scrub.Enabled ? "" : " (background scrubbing off)")}; " +
                $"{scrub.CorruptFound} damaged found, {scrub.Repaired} repaired, {scrub.Unrepaired.Count} left in place\n");
            foreach (var pack in scrub.Unrepaired)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {n.Node}: DAMAGED pack {pack} left in place: no good copy found\n");
            }
        }

        return text.ToString();
    }

    private static string Or(string value, string fallback) => value.Length == 0 ? fallback : value;

    private static string GetVersion()
    {
        var version = typeof(StatusCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
