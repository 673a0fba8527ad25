using System.Text.RegularExpressions;
using Vault.EndToEnd.Tests;
using Vault.Tests.Shared;
using Xunit.Abstractions;

namespace Vault.Cluster.Tests;

/// <summary>
/// Cluster mutual TLS on a two-node cluster of its own (its own database on the shared PostgreSQL server, its own
/// CAs), so the three-node cluster of the collection is left alone: a silo whose certificate comes from another
/// CA is refused and never joins; then a rotation to a new CA without a restart — trust old + new, roll the node
/// certificates one by one, drop the old CA — after which a new node joins and a backup and restore work.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ClusterTlsTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task UntrustedSiloIsRefused_ThenRotationToANewCa_KeepsTheClusterUp()
    {
        const string database = "vault_tls";
        await cluster.Postgres.CreateDatabaseAsync(database);
        var root = Path.Combine(cluster.Root, "tls-rotation");
        var tls = new ClusterTlsFiles(Path.Combine(root, "tls"));
        tls.NewAuthority("old");
        tls.NewAuthority("other");
        tls.NewAuthority("new");
        tls.Node("t1", "old");
        tls.Node("t2", "old");
        await using var t1 = Silo("t1");
        await using var t2 = Silo("t2");
        await Task.WhenAll(t1.StartAsync(), t2.StartAsync());
        Assert.Contains("Cluster TLS files loaded", t1.Log);
        try
        {
            await DrillAsync();
        }
        catch (Exception)
        {
            foreach (var (name, silo) in new[] { ("t1", t1), ("t2", t2) })
            {
                output.WriteLine($"--- {name} log (end) ---\n{silo.Log[Math.Max(0, silo.Log.Length - 6000)..]}");
            }

            throw;
        }

        async Task DrillAsync()
        {
            // A silo with a certificate from another CA (trusting the cluster's, so only the cluster decides) is refused.
            tls.Node("rogue", "other", "other", "old");
            var rogue = Silo("rogue");
            var rogueStart = rogue.StartAsync();
            await ClusterFixture.EventuallyAsync("t1 or t2 to refuse the rogue's certificate", () =>
        {
                var refused = $"{t1.Log}{t2.Log}".Contains("does not chain to a trusted CA", StringComparison.Ordinal)
                    && Regex.IsMatch(t1.Log + t2.Log, @"Refused a cluster connection \(inbound\): the peer's certificate CN=rogue");
                return Task.FromResult((refused, true, rogueStart.IsCompleted ? $"rogue start ended: {rogueStart.Exception?.InnerException?.Message}" : "no refusal logged yet"));
            }, TimeSpan.FromSeconds(120));
            Assert.False(rogueStart.IsCompletedSuccessfully, "the rogue silo reported ready");
            var refusals = await RefusalsAsync(t1) + await RefusalsAsync(t2);
            Assert.True(refusals >= 1, $"vault_cluster_tls_refused_total is {refusals}");
            Assert.DoesNotContain(await cluster.PeersAsync(t1), p => p.Node == "rogue" && p.State == "up");
            await rogue.DisposeAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => rogueStart);

            // Rotation, no restart: 1. trust old + new; 2. new certificates one node at a time; 3. drop the old CA.
            var fingerprints = Thumbprints(tls, "new");
            await StepAsync("trust old + new", () => { tls.Trust("t1", "old", "new"); tls.Trust("t2", "old", "new"); });
            await StepAsync("t1 on a certificate from the new CA", () => tls.Issue("t1", "new"), t1);
            await AssertUpAsync(t2, "t1", "t2");
            await StepAsync("t2 on a certificate from the new CA", () => tls.Issue("t2", "new"), t2);
            await AssertUpAsync(t1, "t1", "t2");
            await StepAsync("trust only the new CA", () => { tls.Trust("t1", "new"); tls.Trust("t2", "new"); });
            Assert.Contains(fingerprints, t1.Log);

            // New connections use the new files: a third node with a new-CA certificate joins both.
            tls.Node("t3", "new");
            await using var t3 = Silo("t3");
            await t3.StartAsync();
            await AssertUpAsync(t1, "t1", "t2", "t3");

            var source = Path.Combine(root, "source");
            AwkwardTree.Create(source, largeFileSize: 3 * 1024 * 1024);
            var backup = await cluster.VaultAsync(t3, "backup", source);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            var target = Path.Combine(root, "restored");
            var restore = await cluster.VaultAsync(t1, "restore", "latest", "--target", target);
            Assert.True(restore.ExitCode == 0, restore.ToString());
            Assert.Empty(AwkwardTree.Differences(source, target + source));
        }

        SiloProcess Silo(string node) => new(Path.Combine(root, node), ClusterFixture.RepositoryPassword)
        {
            ReadyTimeout = TimeSpan.FromSeconds(180),
            ExtraArguments =
            [
                "--node-id", node, "--cluster-db", cluster.Postgres.ConnectionString(database), "--apply-schema", "--replicas", "2",
                "--Vault:Repository:PackSize=1048576", "--Vault:Workers=2",
                .. tls.Arguments(node),
            ],
        };

        // Applies a change to the files and waits until every affected node has logged loading them.
        async Task StepAsync(string what, Action change, params SiloProcess[] nodes)
        {
            nodes = nodes.Length > 0 ? nodes : [t1, t2];
            var before = nodes.Select(n => Loads(n.Log)).ToArray();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            change();
            await ClusterFixture.EventuallyAsync($"{what}: reloaded without a restart", () =>
            {
                var done = nodes.Select((n, i) => Loads(n.Log) > before[i]).All(x => x);
                return Task.FromResult((done, true, string.Join(", ", nodes.Select(n => $"{Loads(n.Log)} loads"))));
            }, TimeSpan.FromSeconds(30));
            output.WriteLine($"{what}: reloaded by {nodes.Length} node(s) in {clock.Elapsed.TotalSeconds:F1} s");
        }

        async Task AssertUpAsync(SiloProcess via, params string[] nodes) =>
            await ClusterFixture.EventuallyAsync($"{string.Join(", ", nodes)} up", async () =>
            {
                var peers = await cluster.PeersAsync(via);
                var up = peers.Where(p => p.State == "up").Select(p => p.Node).Order(StringComparer.Ordinal).ToArray();
                return (nodes.All(up.Contains), true, string.Join(", ", peers.Select(p => $"{p.Node}:{p.State}")));
            }, TimeSpan.FromSeconds(60));
    }

    private static int Loads(string log) => Regex.Matches(log, "Cluster TLS files loaded").Count;

    private static string Thumbprints(ClusterTlsFiles tls, string authority)
    {
        using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls.Authority(authority), "ca.crt"));
        return ca.Thumbprint;
    }

    private static async Task<double> RefusalsAsync(SiloProcess silo)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var metrics = await http.GetStringAsync($"{silo.Http}/metrics");
        return MetricLine().Matches(metrics).Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^vault_cluster_tls_refused_total\{[^}]*\} ([0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
