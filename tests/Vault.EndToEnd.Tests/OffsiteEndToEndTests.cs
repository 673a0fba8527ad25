using Vault.Offsite;
using Vault.Offsite.Stores;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// The off-site recovery drill through the real silo, CLI and a real S3-compatible server (s3rver): back up
/// more than one pack, wait until the bucket holds the snapshot, kill -9 the silo and delete its data
/// directory, start a new silo on an empty directory with only the bucket's credentials and the password
/// (--offsite-recover), list snapshots and restore byte-identical; then lose a pack on the node and
/// restore again from the off-site copy.
/// </summary>
public sealed class OffsiteEndToEndTests(Xunit.Abstractions.ITestOutputHelper output) : TempRootTests
{
    private const string Bucket = "vault-drill";

    [Fact]
    public async Task Recover_EveryNodeGone_RestoresByteIdenticalFromTheBucketAlone()
    {
        await using var s3 = await ObjectStoreServer.StartAsync("s3", Path.Combine(Root, "s3"), Ports.Free(), Bucket);
        var keyFile = Path.Combine(Root, "s3-key");
        await File.WriteAllTextAsync(keyFile, "S3RVER\n");
        string[] target =
        [
            "--Vault:Offsite:Targets:bucket:Kind=S3", $"--Vault:Offsite:Targets:bucket:Endpoint={s3.Endpoint}",
            $"--Vault:Offsite:Targets:bucket:Bucket={Bucket}", "--Vault:Offsite:Targets:bucket:PathStyle=true",
            "--Vault:Offsite:Targets:bucket:Prefix=site-a", $"--Vault:Offsite:Targets:bucket:AccessKeyIdFile={keyFile}",
            $"--Vault:Offsite:Targets:bucket:SecretAccessKeyFile={keyFile}",
        ];
        string[] small = ["--Vault:Repository:PackSize=1048576", "--Vault:Chunking:MinSize=65536", "--Vault:Chunking:AvgSize=262144", "--Vault:Chunking:MaxSize=1048576"];

        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        var random = new Random(23);
        for (var i = 0; i < 6; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(source, $"file-{i}.bin"), AwkwardTree.Bytes(random, 1024 * 1024 + i * 4097));
        }

        await File.WriteAllTextAsync(Path.Combine(source, "note.txt"), "off-site drill");

        var store = OffsiteStoreFactory.Create("bucket", new OffsiteTargetOptions
        {
            Kind = OffsiteTargetKind.S3, Endpoint = s3.Endpoint, Bucket = Bucket, PathStyle = true, Prefix = "site-a",
            AccessKeyIdFile = keyFile, SecretAccessKeyFile = keyFile,
        });

        string snapshotId;
        await using (var first = new SiloProcess(Path.Combine(Root, "data-1")) { ExtraArguments = [.. small, .. target] })
        {
            await first.StartAsync();
            var backup = await Vault(first, "backup", source);
            Assert.True(backup.ExitCode == 0, backup.ToString());
            var list = await Vault(first, "snapshots", "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            snapshotId = System.Text.Json.JsonDocument.Parse(list.Stdout).RootElement[0].GetProperty("id").GetString()!;

            var keys = await WaitForAsync(async () =>
            {
                var all = new List<string>();
                await foreach (var k in store.ListAsync("", CancellationToken.None))
                {
                    all.Add(k);
                }

                return all;
            }, all => all.Any(k => k.StartsWith("snapshots/", StringComparison.Ordinal)) && all.Contains("keys/master.json") && all.Contains("config.json"),
                "the bucket to hold the snapshot record, the configuration and the wrapped key");
            var packs = keys.Count(k => k.StartsWith("packs/", StringComparison.Ordinal));
            output.WriteLine($"bucket after the backup: {packs} packs, {keys.Count} objects");
            Assert.True(packs > 1, $"the backup should span more than one pack; the bucket holds {string.Join(", ", keys)}");
            Assert.DoesNotContain(keys, k => k.EndsWith("master.key", StringComparison.Ordinal));

            // The off-site lag metrics the shipped alert rule uses are served by a node with a target.
            using (var http = new HttpClient())
            {
                var metrics = await http.GetStringAsync($"{first.Http}/metrics");
                foreach (var name in new[] { "vault_offsite_pending_packs", "vault_offsite_pending_bytes", "vault_offsite_oldest_pending_seconds", "vault_offsite_uploaded_bytes" })
                {
                    Assert.True(metrics.Contains($"# TYPE {name}", StringComparison.Ordinal), $"/metrics does not serve {name}");
                }
            }

            first.Kill(); // SIGKILL: no shutdown, nothing flushed on the way out
        }

        Directory.Delete(Path.Combine(Root, "data-1"), recursive: true);

        await using var recovered = new SiloProcess(Path.Combine(Root, "data-2")) { ExtraArguments = [.. small, .. target, "--offsite-recover", "bucket"] };
        await recovered.StartAsync();
        var snapshots = await WaitForAsync(() => Vault(recovered, "snapshots", "--json"), r => r.ExitCode == 0 && r.Stdout.Contains(snapshotId, StringComparison.Ordinal),
            $"the recovered node to list snapshot {snapshotId}");
        var restoreDir = Path.Combine(Root, "restored");
        var restore = await Vault(recovered, "restore", snapshotId, "--target", restoreDir);
        Assert.True(restore.ExitCode == 0, restore.ToString() + recovered.Log);
        Assert.Empty(AwkwardTree.Differences(source, restoreDir + source));

        // A pack no node holds any more is read from the bucket.
        var lost = Directory.EnumerateFiles(Path.Combine(recovered.DataDir, "packs"), "*", SearchOption.AllDirectories)
            .First(f => !f.Contains("trash", StringComparison.Ordinal) && Path.GetFileName(f).Length == 64);
        File.Delete(lost);
        var again = Path.Combine(Root, "restored-again");
        var fallback = await Vault(recovered, "restore", snapshotId, "--target", again);
        Assert.True(fallback.ExitCode == 0, fallback.ToString());
        Assert.Empty(AwkwardTree.Differences(source, again + source));
    }

    [Fact]
    public async Task Recover_WrongPassword_NodeRefusesAndWritesNoRepository()
    {
        await using var s3 = await ObjectStoreServer.StartAsync("s3", Path.Combine(Root, "s3"), Ports.Free(), Bucket);
        var keyFile = Path.Combine(Root, "s3-key");
        await File.WriteAllTextAsync(keyFile, "S3RVER\n");
        string[] target =
        [
            "--Vault:Offsite:Targets:bucket:Kind=S3", $"--Vault:Offsite:Targets:bucket:Endpoint={s3.Endpoint}",
            $"--Vault:Offsite:Targets:bucket:Bucket={Bucket}", "--Vault:Offsite:Targets:bucket:PathStyle=true",
            $"--Vault:Offsite:Targets:bucket:AccessKeyIdFile={keyFile}", $"--Vault:Offsite:Targets:bucket:SecretAccessKeyFile={keyFile}",
        ];
        var empty = new SiloProcess(Path.Combine(Root, "data")) { ExtraArguments = [.. target, "--offsite-recover", "bucket"] };
        var run = await empty.RunToExitAsync();
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("holds no config.json", run.Stderr);
        Assert.False(File.Exists(Path.Combine(Root, "data", "repo", "config.json")));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after 90 s waiting for {what}; last seen: {value}");
            }

            await Task.Delay(200);
        }
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" }, TimeSpan.FromSeconds(180));
}
