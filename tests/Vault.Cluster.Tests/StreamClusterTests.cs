using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Vault.EndToEnd.Tests;
using Vault.Storage;
using Xunit.Abstractions;

namespace Vault.Cluster.Tests;

/// <summary>
/// Stream backups (`vault backup --stdin`) in cluster mode (3 silo processes, PostgreSQL, R = W = 2, default
/// failure detection and repair interval, so repair cannot mend a missing copy before the checks): every
/// pack of a stream snapshot is on W nodes when the command returns, and a node killed with SIGKILL in the
/// middle of a stream backup costs neither the backup nor its data.
/// </summary>
[Collection(DefaultDetectionCollection.Name)]
public sealed class StreamClusterTests(DefaultDetectionClusterFixture cluster, ITestOutputHelper output)
{
    private const int WriteQuorum = ClusterFixture.Replicas;

    [Fact]
    public async Task StdinBackup_EveryPackOnWNodesWhenItReturns_AndAKillOfAnotherNodeMidStreamCostsNothing()
    {
        // The other test of this collection leaves a node killed: start whatever is down.
        foreach (var silo in cluster.Silos.Values.Where(s => s.ProcessId is null))
        {
            await silo.StartAsync();
        }

        var (a, c) = (cluster.Silos["a"], cluster.Silos["c"]);

        // 1. 24 MiB of incompressible bytes through a: 6+ packs of 4 MiB, each on W nodes at return.
        var before = Holders();
        var clock = Stopwatch.StartNew();
        var (first, sent) = await PipeAsync(a, 24L * 1024 * 1024, seed: 11, "backup", "--stdin", "--name", "first.bin", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        output.WriteLine($"stream backup of 24 MiB through a: {clock.Elapsed.TotalSeconds:F1} s");
        var added = Holders().Where(h => !before.ContainsKey(h.Key)).ToList();
        Assert.True(added.Count > 1, $"expected more than one new pack, got {added.Count}");
        Assert.All(added, h => Assert.True(h.Value.Count >= WriteQuorum, $"pack {h.Key} is only on [{string.Join(", ", h.Value)}] when the stream backup returned"));
        output.WriteLine($"{added.Count} new packs, each on {string.Join("/", added.Select(h => h.Value.Count).Distinct())} nodes");
        var id = JsonDocument.Parse(first.Stdout).RootElement.GetProperty("snapshot").GetString()!;
        var (dump, received) = await DumpAsync(a, id, "/first.bin");
        Assert.True(dump.ExitCode == 0, dump.ToString());
        Assert.Equal(Convert.ToHexString(sent), Convert.ToHexString(received));

        // 2. kill -9 c (not the node running the ingest) once the running stream has stored a pack on it.
        var packsOnC = CountPacks(c);
        var stream = PipeAsync(a, 64L * 1024 * 1024, seed: 12, "backup", "--stdin", "--name", "second.bin", "--json");
        await ClusterFixture.EventuallyAsync("c to receive a pack of the running stream backup", () =>
            Task.FromResult((CountPacks(c) > packsOnC || stream.IsCompleted, true, $"{CountPacks(c)} packs on c, {packsOnC} before")), TimeSpan.FromMinutes(3));
        Assert.False(stream.IsCompleted, "the stream backup ended before c could be killed: make it larger");
        var beforeKill = Holders();
        c.Kill();
        var (interrupted, sent2) = await stream;
        output.WriteLine($"stream backup during kill -9 of c: {interrupted}");
        Assert.DoesNotContain("Exception", interrupted.Stderr);
        Assert.DoesNotContain("   at ", interrupted.Stderr);

        // A pack store to the silent node times out and goes to the next node in rendezvous order (sloppy
        // quorum), so the backup completes; or, when a grain it relied on (an index partition) lived on c, it
        // fails with one line naming the cause. Either way the next run (c still down) succeeds.
        if (interrupted.ExitCode != 0)
        {
            var error = Assert.Single(interrupted.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("vault: ", error, StringComparison.Ordinal);
            clock.Restart();
            (interrupted, sent2) = await PipeAsync(a, 64L * 1024 * 1024, seed: 12, "backup", "--stdin", "--name", "second.bin", "--json");
            output.WriteLine($"the same stream backup again, c down: {interrupted.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s");
        }

        Assert.True(interrupted.ExitCode == 0, interrupted.ToString());
        var afterKill = Holders(except: "c").Where(h => !beforeKill.ContainsKey(h.Key)).ToList();
        Assert.True(afterKill.Count > 1, $"expected packs written after the kill, got {afterKill.Count}");
        Assert.All(afterKill, h => Assert.True(h.Value.Count >= WriteQuorum, $"pack {h.Key} written after the kill is only on [{string.Join(", ", h.Value)}]"));
        var id2 = JsonDocument.Parse(interrupted.Stdout).RootElement.GetProperty("snapshot").GetString()!;
        var (dump2, received2) = await DumpAsync(a, id2, "/second.bin");
        Assert.True(dump2.ExitCode == 0, dump2.ToString());
        Assert.Equal(Convert.ToHexString(sent2), Convert.ToHexString(received2));
        output.WriteLine($"{afterKill.Count} packs written after the kill, all on a and b");

        await c.StartAsync();
    }

    /// <summary>Packs on the nodes' disks with the nodes holding them.</summary>
    private Dictionary<PackId, List<string>> Holders(string? except = null)
    {
        var holders = new Dictionary<PackId, List<string>>();
        foreach (var (node, silo) in cluster.Silos.Where(s => s.Key != except).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            foreach (var pack in new LocalPackStore(Path.Combine(silo.DataDir, "packs")).Enumerate())
            {
                (holders.TryGetValue(pack, out var list) ? list : holders[pack] = []).Add(node);
            }
        }

        return holders;
    }

    private static int CountPacks(SiloProcess silo) => new LocalPackStore(Path.Combine(silo.DataDir, "packs")).Enumerate().Count();

    /// <summary>Runs the CLI with <paramref name="bytes"/> of seeded random bytes on stdin; returns the result and the bytes' SHA-256.</summary>
    private static async Task<(RunResult Result, byte[] Sha256)> PipeAsync(SiloProcess gateway, long bytes, int seed, params string[] args)
    {
        using var process = Start(gateway, args, stdin: true);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        var random = new Random(seed);
        var input = process.StandardInput.BaseStream;
        try
        {
            for (long written = 0; written < bytes;)
            {
                var n = (int)Math.Min(buffer.Length, bytes - written);
                random.NextBytes(buffer.AsSpan(0, n));
                sha.AppendData(buffer, 0, n);
                await input.WriteAsync(buffer.AsMemory(0, n));
                written += n;
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The CLI ended before reading all of its input: its exit code and stderr say why.
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        return (new RunResult(process.ExitCode, await stdout, await stderr), sha.GetHashAndReset());
    }

    private static async Task<(RunResult Result, byte[] Sha256)> DumpAsync(SiloProcess gateway, string snapshot, string file)
    {
        using var process = Start(gateway, ["dump", snapshot, file], stdin: false);
        var stderr = process.StandardError.ReadToEndAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1024 * 1024];
        int n;
        while ((n = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cts.Token);
        return (new RunResult(process.ExitCode, "", await stderr), sha.GetHashAndReset());
    }

    private static Process Start(SiloProcess gateway, string[] args, bool stdin)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin, UseShellExecute = false };
        foreach (var a in (string[])[Binaries.Cli, "--gateway", gateway.Gateway, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        return Process.Start(psi)!;
    }
}
