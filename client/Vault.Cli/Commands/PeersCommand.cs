using System.CommandLine;
using System.Globalization;
using Vault.V1;

namespace Vault.Cli.Commands;

/// <summary><c>vault peers</c> and <c>vault peers decommission NODE</c></summary>
public static class PeersCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var command = new Command("peers", "List the cluster's nodes: state (up, down, decommissioning, decommissioned), capacity, use, packs and under-replicated packs");
        command.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var peers = await context.Client.ListPeersAsync(cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(new
                {
                    replicas = peers.Replicas,
                    writeQuorum = peers.WriteQuorum,
                    peers = peers.Peers.Select(ToJson).ToArray(),
                }));
            }
            else
            {
                await context.Out.WriteAsync(Text(peers));
            }

            return ExitCodes.Ok;
        }));

        var node = new Argument<string>("node") { Description = "The node id to drain and remove" };
        var decommission = new Command("decommission", "Drain a node: its packs are copied to their other owners, then it is marked decommissioned") { node };
        decommission.SetAction((parse, cancellationToken) => globals.RunAsync(parse, cancellationToken, async context =>
        {
            var peer = await context.Client.DecommissionPeerAsync(parse.GetValue(node)!, cancellationToken);
            if (context.Json)
            {
                await context.Out.WriteLineAsync(Json.Serialize(ToJson(peer)));
            }
            else
            {
                await context.Out.WriteLineAsync($"node {peer.Node} is {peer.State}; it is drained by repair and then marked decommissioned (see 'vault peers')");
            }

            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(decommission);
        return command;
    }

    public static string Text(ListPeersResponse peers)
    {
        var rows = peers.Peers.Select(p => (IReadOnlyList<string>)
        [
            p.Node,
            p.State,
            p.Error.Length > 0 ? "-" : p.PackCount.ToString(CultureInfo.InvariantCulture),
            p.Error.Length > 0 ? "-" : Formatting.Bytes(p.UsedBytes),
            p.Error.Length > 0 ? "-" : Formatting.Bytes(p.FreeBytes),
            p.Error.Length > 0 ? "-" : p.UnderReplicated.ToString(CultureInfo.InvariantCulture),
        ]);
        var under = peers.Peers.Sum(p => p.UnderReplicated);
        var down = peers.Peers.Count(p => p.State == "down");
        var health = down == 0 && under == 0 ? "healthy" : $"degraded: {down} node(s) down, {under} under-replicated pack copies";
        return string.Create(CultureInfo.InvariantCulture, $"replicas {peers.Replicas}, write quorum {peers.WriteQuorum}; {health}\n") +
            Formatting.Table(["NODE", "STATE", "PACKS", "USED", "FREE", "UNDER-REPLICATED"], rows, new HashSet<int> { 2, 3, 4, 5 });
    }

    private static object ToJson(Peer p) => new
    {
        node = p.Node,
        state = p.State,
        silo = p.Silo,
        packCount = p.PackCount,
        usedBytes = p.UsedBytes,
        freeBytes = p.FreeBytes,
        underReplicated = p.UnderReplicated,
        runningJobs = p.RunningJobs,
        lastRepair = p.LastRepair?.ToDateTimeOffset(),
        error = p.Error.Length > 0 ? p.Error : null,
    };
}
