using System.Net.Http.Json;
using System.Text.Json;
using Vault.Tests.Shared;

namespace Vault.EndToEnd.Tests;

/// <summary>
/// The user's path through real processes: the silo as it ships (embedded mode, default chunk
/// sizes), the `vault` CLI, and a tree with awkward content.
/// </summary>
public sealed class EndToEndTests : TempRootTests
{
    [Fact]
    public async Task Cli_BackupListRestore_IsByteIdentical_AndRebackupAddsNothing()
    {
        var source = Path.Combine(Root, "source");
        AwkwardTree.Create(source, largeFileSize: 9 * 1024 * 1024); // larger than the 8 MiB maximum chunk
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        await silo.StartAsync();

        var backup = await Vault(silo, "backup", source, "--tag", "first", "--json");
        Assert.True(backup.ExitCode == 0, backup.ToString());
        using var first = JsonDocument.Parse(backup.Stdout);
        var id = first.RootElement.GetProperty("snapshot").GetString()!;
        Assert.False(first.RootElement.GetProperty("incomplete").GetBoolean());

        var list = await Vault(silo, "snapshots", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(id, list.Stdout);

        var ls = await Vault(silo, "ls", "latest", source + "/many");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Contains(source + "/many/small-000.dat", ls.Stdout);
        Assert.Equal(151, ls.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var target = Path.Combine(Root, "restored");
        var restore = await Vault(silo, "restore", "latest", "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(source, target + source));

        // Unchanged data: nothing read again, (almost) nothing added.
        var again = await Vault(silo, "backup", source, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        using var second = JsonDocument.Parse(again.Stdout);
        var stats = second.RootElement.GetProperty("stats");
        Assert.Equal(stats.GetProperty("files").GetInt64(), stats.GetProperty("filesUnchanged").GetInt64());
        Assert.True(stats.GetProperty("bytesNew").GetInt64() < 4096, again.Stdout);

        // A snapshot named by a unique prefix restores as well.
        var byPrefix = Path.Combine(Root, "by-prefix");
        var restore2 = await Vault(silo, "restore", id[..14], "--target", byPrefix, "--include", source + "/with space");
        Assert.True(restore2.ExitCode == 0, restore2.ToString());
        Assert.Empty(AwkwardTree.Differences(Path.Combine(source, "with space"), byPrefix + source + "/with space"));
    }

    [Fact]
    public async Task Silo_KilledDuringBackup_RestartsConsistent()
    {
        var small = Path.Combine(Root, "small");
        AwkwardTree.Create(small, largeFileSize: 100_000);
        var big = Path.Combine(Root, "big");
        Directory.CreateDirectory(big);
        var random = new Random(7);
        for (var i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(big, $"blob-{i}.bin"), AwkwardTree.Bytes(random, 24 * 1024 * 1024));
        }

        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        await silo.StartAsync();
        var before = await Vault(silo, "backup", small, "--json");
        Assert.True(before.ExitCode == 0, before.ToString());
        var earlier = JsonDocument.Parse(before.Stdout).RootElement.GetProperty("snapshot").GetString()!;

        // Start a long backup through REST and kill the silo once packs are being stored.
        using var http = new HttpClient { BaseAddress = new Uri(silo.Http) };
        var started = await http.PostAsJsonAsync("/api/v1/backup", new { paths = new[] { big } });
        Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        var jobId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await WaitUntilAsync(async () =>
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{jobId}");
            return job.TryGetProperty("progress", out var p) && p.TryGetProperty("bytesStored", out var s) && long.Parse(s.GetRawText().Trim('"')) > 0;
        }, "the big backup to store its first pack");
        silo.Kill();

        await using var restarted = new SiloProcess(silo.DataDir);
        await restarted.StartAsync();
        var list = await Vault(restarted, "snapshots", "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using (var snapshots = JsonDocument.Parse(list.Stdout))
        {
            var ids = snapshots.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
            Assert.Equal([earlier], ids);
        }

        var target = Path.Combine(Root, "restored-earlier");
        var restore = await Vault(restarted, "restore", earlier, "--target", target);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Empty(AwkwardTree.Differences(small, target + small));

        var retry = await Vault(restarted, "backup", big, "--json");
        Assert.True(retry.ExitCode == 0, retry.ToString());
        var target2 = Path.Combine(Root, "restored-big");
        var restore2 = await Vault(restarted, "restore", "latest", "--target", target2);
        Assert.True(restore2.ExitCode == 0, restore2.ToString());
        Assert.Empty(AwkwardTree.Differences(big, target2 + big));
    }

    [Fact]
    public async Task Silo_WrongPassword_RefusesToStart()
    {
        var dataDir = Path.Combine(Root, "data");
        await using (var silo = new SiloProcess(dataDir, password: "the right one"))
        {
            await silo.StartAsync();
        }

        await using var wrong = new SiloProcess(dataDir, password: "not the right one");
        var result = await wrong.RunToExitAsync();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("wrong password", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", result.Stderr); // a message, not a stack trace
    }

    [Theory]
    [InlineData(new[] { "--http-port", "70000" }, "Vault:HttpPort is 70000; must be a TCP port between 1 and 65535")]
    [InlineData(new[] { "--workers", "0" }, "Vault:Workers is 0; must be between 1 and 256")]
    [InlineData(new[] { "--http-port", "seven" }, "Vault:HttpPort is 'seven'; must be a whole number")]
    [InlineData(new[] { "--Vault:Chunking:MaxSize=4096" }, "Vault:Chunking:MaxSize")]
    [InlineData(new[] { "--no-such-option", "1" }, "unknown option '--no-such-option'")]
    [InlineData(new[] { "--bind", "localhost-ish" }, "Vault:BindAddress is 'localhost-ish'")]
    [InlineData(new[] { "--bind", "0.0.0.0" }, "Vault:Gateway:Tls:CertificateFile is empty while Vault:BindAddress is '0.0.0.0' (not loopback); plaintext is refused outside loopback")]
    [InlineData(new[] { "--auth", "maybe" }, "Vault:Gateway:Auth is 'maybe'; must be 'required' or 'off'")]
    [InlineData(new[] { "--Vault:Gateway:Tls:CertificateFile=/nonexistent/cert.pem", "--Vault:Gateway:Tls:KeyFile=/nonexistent/key.pem" }, "Vault:Gateway:Tls:CertificateFile is '/nonexistent/cert.pem'; the file does not exist")]
    [InlineData(new[] { "--Vault:Restore:AllowedRoots:0=relative/dir" }, "Vault:Restore:AllowedRoots:0 is 'relative/dir'; must be an absolute directory path")]
    public async Task Silo_InvalidConfiguration_RefusesNamingKeyValueAndRule(string[] args, string expected)
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        var result = await silo.RunToExitAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task Backup_UnreadableAndChangingFiles_AreReported_AndTheRestIsSaved()
    {
        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "readable.txt"), "fine");
        var locked = Path.Combine(source, "locked.txt");
        File.WriteAllText(locked, "secret");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        var lockedDir = Path.Combine(source, "locked-dir");
        Directory.CreateDirectory(lockedDir);
        File.WriteAllText(Path.Combine(lockedDir, "inside.txt"), "x");
        File.SetUnixFileMode(lockedDir, UnixFileMode.None);
        var growing = Path.Combine(source, "growing.log");
        File.WriteAllBytes(growing, AwkwardTree.Bytes(new Random(3), 64 * 1024 * 1024));

        // Permissions do not stop root: as root, run the silo as an unprivileged user, the way
        // operators run it, with its own copy of the binaries and its own data directory.
        var user = Environment.UserName == "root" ? "65534" : null;
        var dataDir = Path.Combine(Root, "data");
        Directory.CreateDirectory(dataDir);
        var silo = new SiloProcess(dataDir, runAsUser: user);
        if (user is not null)
        {
            var bin = Path.Combine(Root, "silo-bin");
            CopyDirectory(Path.GetDirectoryName(Binaries.Silo)!, bin);
            silo.SiloBinary = Path.Combine(bin, "vault-silo.dll");
            foreach (var d in new[] { Root, source })
            {
                File.SetUnixFileMode(d, (UnixFileMode)Convert.ToInt32("755", 8));
            }

            File.SetUnixFileMode(Path.GetDirectoryName(Root)!, (UnixFileMode)Convert.ToInt32("1777", 8));
            await Run.ProcessAsync("chown", ["-R", "65534:65534", dataDir]);
        }

        await using (silo)
        {
            await silo.StartAsync();
            using var stop = new CancellationTokenSource();
            var writer = Task.Run(async () =>
            {
                // Appends until the backup is over, so the file changes while it is read.
                await using var f = new FileStream(growing, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                while (!stop.IsCancellationRequested)
                {
                    f.Write(new byte[4096]);
                    f.Flush();
                    await Task.Yield();
                }
            });
            var backup = await Vault(silo, "backup", source, "--json");
            await stop.CancelAsync();
            await writer;

            Assert.True(backup.ExitCode == 3, backup.ToString());
            using var json = JsonDocument.Parse(backup.Stdout);
            Assert.True(json.RootElement.GetProperty("incomplete").GetBoolean());
            var warnings = string.Join('\n', json.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
            Assert.Contains(locked, warnings);
            Assert.Contains(lockedDir, warnings);
            Assert.Contains(growing + ": changed while being read", warnings);

            var ls = await Vault(silo, "ls", "latest", source);
            Assert.Contains(source + "/readable.txt", ls.Stdout);
            Assert.Contains(source + "/growing.log", ls.Stdout);
            Assert.DoesNotContain(locked, ls.Stdout);
        }
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }
}
