using System.Diagnostics;
using System.Text.Json;
using Vault.EndToEnd.Tests;
using Vault.Tests.Shared;
using Xunit.Abstractions;

namespace Vault.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>
    /// The whole life of a pack: backup through the gateway (R = 2 copies), kill -9 of a node, restore,
    /// repair back to R copies, the dead node rejoining with its old data, a fourth node joining
    /// (rebalanced onto the owners by rendezvous hashing), and a decommission.
    /// </summary>
    [Fact]
    public async Task KillRepairRejoinGrowDecommission_NothingIsLost()
    {
        var source = Path.Combine(cluster.Root, "source");
        AwkwardTree.Create(source, largeFileSize: 6 * 1024 * 1024);
        var (n1, n2, n3) = (cluster.Silos["n1"], cluster.Silos["n2"], cluster.Silos["n3"]);

        // Backup through n1's gateway, run on n1; count the database transactions it costs.
        var txBefore = await cluster.Postgres.TransactionsAsync(ClusterFixture.Database);
        var backup = await cluster.VaultAsync(n1, "backup", source, "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        using var doc = JsonDocument.Parse(backup.Stdout);
        var storedBytes = doc.RootElement.GetProperty("stats").GetProperty("bytesStored").GetInt64();
        var txAfter = await cluster.Postgres.TransactionsAsync(ClusterFixture.Database);
        output.WriteLine($"backup stored {storedBytes} bytes with {txAfter - txBefore} PostgreSQL transactions " +
            $"(≈ {(txAfter - txBefore) * (1024.0 * 1024 * 1024 / storedBytes):F0} per GiB at 1 MiB packs, background traffic included)");

        // Every pack on exactly R = 2 nodes.
        var peers = await cluster.PeersAsync(n2);
        Assert.Equal(["n1", "n2", "n3"], peers.Select(p => p.Node).Order().ToArray());
        Assert.All(peers, p => Assert.Equal("up", p.State));
        var copies = peers.Sum(p => p.PackCount);
        Assert.True(copies > 4 && copies % 2 == 0, $"expected an even number of pack copies, got {copies}");
        var packs = copies / 2;

        // kill -9 n3: restore still byte-identical.
        var clock = Stopwatch.StartNew();
        n3.Kill();
        var dead = await ClusterFixture.EventuallyAsync("n3 reported down", async () =>
        {
            var p = await cluster.PeersAsync(n1);
            return (p.Single(x => x.Node == "n3").State == "down", clock.Elapsed, string.Join(", ", p.Select(x => $"{x.Node}:{x.State}")));
        }, TimeSpan.FromSeconds(60));
        var target = Path.Combine(cluster.Root, "restore-1");
        var restore = await cluster.VaultAsync(n1, "restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target + source));

        // Repair: every pack back on 2 of the live nodes.
        var repaired = await ClusterFixture.EventuallyAsync("repair back to 2 copies on n1 and n2", async () =>
        {
            var p = (await cluster.PeersAsync(n1)).Where(x => x.State == "up").ToList();
            var live = p.Sum(x => x.PackCount);
            return (live == 2 * packs && p.All(x => x.UnderReplicated == 0), clock.Elapsed, $"{live} copies of {packs} packs on live nodes");
        }, TimeSpan.FromSeconds(90));
        output.WriteLine($"kill -9 → declared down: {dead.TotalSeconds:F1} s; → repaired to R copies: {repaired.TotalSeconds:F1} s");

        // The dead node comes back with its old data; the sloppy copies are dropped again.
        await n3.StartAsync();
        await ClusterFixture.EventuallyAsync("n3 up again, every pack on exactly 2 nodes", async () =>
        {
            var p = await cluster.PeersAsync(n2);
            var all = p.Sum(x => x.PackCount);
            var n3Row = p.Single(x => x.Node == "n3");
            return (n3Row.State == "up" && n3Row.PackCount > 0 && all == 2 * packs, true, $"n3 {n3Row.State} with {n3Row.PackCount} packs; {all} copies of {packs}");
        }, TimeSpan.FromSeconds(90));

        // A fourth node joins: repair moves it its share, every pack ends on exactly its two owners
        // among the four, and a restore through the new node is byte-identical.
        var n4 = cluster.NewSilo("n4");
        cluster.Silos["n4"] = n4;
        clock.Restart();
        await n4.StartAsync();
        var names = new[] { "n1", "n2", "n3", "n4" };
        var rebalanced = await ClusterFixture.EventuallyAsync("every pack on exactly its 2 owners among n1–n4", async () =>
        {
            var p = await cluster.PeersAsync(n4);
            var holders = cluster.Holders();
            var wrong = holders.Count(h => !h.Value.SequenceEqual(ClusterFixture.Owners(h.Key, names)));
            var up = p.Count(x => x.State == "up");
            return (up == 4 && holders.Count == packs && wrong == 0, clock.Elapsed,
                $"{up} nodes up; {holders.Count} distinct packs of {packs}, {wrong} not (only) on their owners");
        }, TimeSpan.FromSeconds(90));
        var onN4 = cluster.Holders().Count(h => h.Value.Contains("n4"));
        Assert.True(onN4 > 0, $"n4 holds none of the {packs} packs");
        output.WriteLine($"n4 started → every pack on its owners among 4 nodes: {rebalanced.TotalSeconds:F1} s; n4 holds {onN4} of {packs} packs");
        var target4 = Path.Combine(cluster.Root, "restore-n4");
        var restore4 = await cluster.VaultAsync(n4, "restore", "latest", "--target", target4);
        Assert.True(restore4.ExitCode == 0, restore4.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target4 + source));

        // Decommission n2: drained, then gone; nothing lost.
        var decommission = await cluster.VaultAsync(n1, "peers", "decommission", "n2");
        Assert.True(decommission.ExitCode == 0, decommission.ToString());
        await ClusterFixture.EventuallyAsync("n2 drained and decommissioned", async () =>
        {
            var p = await cluster.PeersAsync(n1);
            var n2Row = p.Single(x => x.Node == "n2");
            var rest = p.Where(x => x.Node != "n2").Sum(x => x.PackCount);
            return (n2Row.State == "decommissioned" && n2Row.PackCount == 0 && rest == 2 * packs, true,
                $"n2 {n2Row.State} with {n2Row.PackCount} packs; {rest} copies of {packs} on n1, n3, n4");
        }, TimeSpan.FromSeconds(90));
        var target2 = Path.Combine(cluster.Root, "restore-2");
        var restore2 = await cluster.VaultAsync(n3, "restore", "latest", "--target", target2);
        Assert.True(restore2.ExitCode == 0, restore2.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target2 + source));

        var text = await cluster.VaultAsync(n3, "peers");
        Assert.True(text.ExitCode == 0, text.ToString());
        output.WriteLine(text.Stdout);
    }

    [Fact]
    public async Task Start_WithUnreachableDatabase_NamesItWithoutThePassword()
    {
        var port = Ports.Free();
        await using var silo = new SiloProcess(Path.Combine(cluster.Root, "unreachable"), ClusterFixture.RepositoryPassword);
        var result = await silo.RunToExitAsync("--node-id", "x1", "--cluster-db", $"Host=127.0.0.1;Port={port};Database=nowhere;Username=u;Password=hunter2-secret");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}/nowhere", result.Stderr);
        Assert.DoesNotContain("hunter2-secret", result.Stderr + result.Stdout);
    }

    [Fact]
    public async Task Start_WithNodeIdOfALiveSilo_IsRefused()
    {
        await using var silo = new SiloProcess(Path.Combine(cluster.Root, "duplicate"), ClusterFixture.RepositoryPassword);
        var result = await silo.RunToExitAsync("--node-id", "n1", "--cluster-db", cluster.ClusterDb);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("node id 'n1'", result.Stderr);
        Assert.Contains("already held by a live silo", result.Stderr);
    }

    [Fact]
    public async Task Start_OnDatabaseWithoutSchema_SaysHowToApplyIt()
    {
        await cluster.Postgres.CreateDatabaseAsync("empty");
        await using var silo = new SiloProcess(Path.Combine(cluster.Root, "noschema"), ClusterFixture.RepositoryPassword);
        var result = await silo.RunToExitAsync("--node-id", "x2", "--cluster-db", cluster.Postgres.ConnectionString("empty"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has no Vault schema", result.Stderr);
        Assert.Contains("--apply-schema", result.Stderr);
    }

    [Fact]
    public async Task StandaloneGateway_IsAClientOfTheCluster()
    {
        var gateway = Path.Combine(Path.GetDirectoryName(Binaries.Cli)!, "..", "..", "..", "..", "Vault.GatewayHost", "bin", Binaries.Configuration, "net10.0", "vault-gateway.dll");
        Assert.True(File.Exists(gateway), $"{gateway} is missing: build the solution");
        var (http, grpc) = (Ports.Free(), Ports.Free());
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        cluster.Tls.Node("gateway", "cluster");
        string[] arguments = [gateway, "--cluster-db", cluster.ClusterDb, "--http-port", http.ToString(), "--grpc-port", grpc.ToString(), "--default-node", "n1", .. cluster.Tls.Arguments("gateway")];
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var httpClient = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await ClusterFixture.EventuallyAsync("the standalone gateway to answer", async () =>
            {
                Assert.False(process.HasExited, $"vault-gateway exited: {log}");
                var response = await httpClient.GetAsync($"http://127.0.0.1:{http}/api/v1/peers");
                return (response.IsSuccessStatusCode, true, $"{(int)response.StatusCode}");
            }, TimeSpan.FromSeconds(60));

            var peers = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", $"http://127.0.0.1:{grpc}", "peers", "--json"]);
            Assert.True(peers.ExitCode == 0, peers.ToString());
            using var doc = JsonDocument.Parse(peers.Stdout);
            var nodes = doc.RootElement.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("node").GetString()).ToList();
            Assert.Contains("n1", nodes);

            var source = Path.Combine(cluster.Root, "via-gateway");
            Directory.CreateDirectory(source);
            await File.WriteAllTextAsync(Path.Combine(source, "a.txt"), "through the standalone gateway");
            var backup = await Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", $"http://127.0.0.1:{grpc}", "backup", source, "--json"]);
            Assert.True(backup.ExitCode == 0, backup.ToString());

            // Readiness asks the cluster itself (its management grain), not only this process.
            using var ready = await httpClient.GetAsync($"http://127.0.0.1:{http}/health/ready");
            var readiness = await ready.Content.ReadAsStringAsync();
            Assert.True(ready.StatusCode == System.Net.HttpStatusCode.OK, readiness);
            Assert.Contains("active silo", readiness, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
