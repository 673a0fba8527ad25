using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Vault.EndToEnd.Tests;

/// <summary>Schedules through the real silo and CLI: durable across a kill -9, declared in configuration, refused when broken.</summary>
public sealed class ScheduleEndToEndTests : TempRootTests
{
    /// <summary>A forget schedule from configuration (once a year, so it does not run during the test).</summary>
    private static readonly string[] ConfiguredForget =
    [
        "--Vault:Schedules:prune:Kind=Forget",
        "--Vault:Schedules:prune:Cron=0 3 1 1 *",
        "--Vault:Schedules:prune:Retention:KeepDaily=7",
        "--Vault:Schedules:prune:Retention:KeepTags:0=keep",
    ];

    [Fact]
    public async Task Schedule_CreatedThroughCli_FiresAfterTheSiloIsKilledAndRestarted()
    {
        var source = Path.Combine(Root, "source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "notes.txt"), "backed up on schedule");
        var silo = new SiloProcess(Path.Combine(Root, "data")) { ExtraArguments = [.. ConfiguredForget] };
        DateTimeOffset firstDue;
        await using (silo)
        {
            await silo.StartAsync();
            var set = await Vault(silo, "--json", "schedule", "set", "every-minute", "--kind", "backup", "--path", source, "--tag", "scheduled",
                "--every", "1m", "--max-retries", "2", "--retry-backoff", "5s");
            Assert.True(set.ExitCode == 0, set.ToString());
            using var created = JsonDocument.Parse(set.Stdout);
            firstDue = created.RootElement.GetProperty("nextDue").GetDateTimeOffset();
            Assert.InRange(firstDue - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(61));

            // Killed well before the schedule's first time: only its durable state and reminder can bring it back.
            silo.Kill();
        }

        await using var restarted = new SiloProcess(silo.DataDir) { ExtraArguments = [.. ConfiguredForget] };
        await restarted.StartAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        using var http = new HttpClient { BaseAddress = new Uri(restarted.Http) };

        var snapshot = await WaitForAsync(async () =>
        {
            var list = await http.GetFromJsonAsync<JsonElement>("/api/v1/snapshots?tag=scheduled");
            return list.TryGetProperty("snapshots", out var snapshots) ? snapshots.EnumerateArray().Cast<JsonElement?>().FirstOrDefault() : null;
        }, TimeSpan.FromMinutes(3), "a scheduled backup after the restart", () => restarted.Log);
        var time = snapshot.GetProperty("time").GetDateTimeOffset();
        Assert.True(time >= restartedAt - TimeSpan.FromSeconds(1), $"the snapshot is from {time:o}, before the restart at {restartedAt:o}");
        Assert.True(time >= firstDue, $"the snapshot is from {time:o}, before the schedule's time {firstDue:o}");
        Assert.Equal([source], snapshot.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));

        var shown = await WaitForAsync(async () =>
        {
            var show = await Vault(restarted, "--json", "schedule", "show", "every-minute");
            Assert.True(show.ExitCode == 0, show.ToString());
            var json = JsonDocument.Parse(show.Stdout).RootElement;
            return json.GetProperty("lastResult").GetString() == "succeeded" ? json : (JsonElement?)null;
        }, TimeSpan.FromSeconds(30), "the schedule to record its success", () => restarted.Log);
        Assert.Contains(snapshot.GetProperty("id").GetString()!, shown.GetProperty("lastDetail").GetString(), StringComparison.Ordinal);
        Assert.True(shown.GetProperty("nextDue").GetDateTimeOffset() > time, shown.ToString());
        Assert.Equal(0, shown.GetProperty("consecutiveFailures").GetInt32());

        // The configured schedule was applied at start, with its policy.
        var prune = await Vault(restarted, "--json", "schedule", "show", "prune");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        using (var json = JsonDocument.Parse(prune.Stdout))
        {
            Assert.Equal("forget", json.RootElement.GetProperty("kind").GetString());
            Assert.Equal("0 3 1 1 *", json.RootElement.GetProperty("cron").GetString());
            Assert.Equal(7, json.RootElement.GetProperty("retention").GetProperty("keepDaily").GetInt32());
            Assert.Equal(["keep"], json.RootElement.GetProperty("retention").GetProperty("keepTags").EnumerateArray().Select(t => t.GetString()));
        }

        var list = await Vault(restarted, "schedule", "list");
        Assert.Matches(@"(?m)^every-minute\s+backup\s+every 1m\s", list.Stdout);
        Assert.Matches(@"(?m)^prune\s+forget\s+cron '0 3 1 1 \*'\s", list.Stdout);

        // The real validation through REST: the field and value are named.
        var bad = await http.PutAsync("/api/v1/schedules/broken", new StringContent(
            """{"kind":"SCHEDULE_KIND_BACKUP","paths":["/data"],"cron":"0 2 * * FUNDAY"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()))
        {
            Assert.Contains("schedule 'broken': Cron is '0 2 * * FUNDAY'; day-of-week field 'FUNDAY' is not a number",
                problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(5, (await Vault(restarted, "schedule", "show", "broken")).ExitCode); // not found: nothing was stored
    }

    [Theory]
    [InlineData(new[] { "--Vault:Schedules:bad:Kind=Backup", "--Vault:Schedules:bad:Paths:0=/x", "--Vault:Schedules:bad:Cron=61 * * * *" },
        "Vault:Schedules:bad:Cron is '61 * * * *'; minute field '61' has 61, out of range 0-59")]
    [InlineData(new[] { "--Vault:Schedules:bad:Paths:0=/x", "--Vault:Schedules:bad:Every=6h" },
        "Vault:Schedules:bad:Every is '6h'; must be a time span: hh:mm:ss, or d.hh:mm:ss")]
    [InlineData(new[] { "--Vault:Schedules:bad:Paths:0=/x", "--Vault:Schedules:bad:Every=00:00:10" },
        "Vault:Schedules:bad:Every is '00:00:10'; must be between 1 minute and 366 days")]
    [InlineData(new[] { "--Vault:Schedules:bad:Paths:0=/x", "--Vault:Schedules:bad:Evry=01:00:00" },
        "Vault:Schedules:bad:Evry is not a setting (unknown key); did you mean Vault:Schedules:bad:Every?")]
    [InlineData(new[] { "--Vault:Schedules:bad:Kind=Forget", "--Vault:Schedules:bad:Every=01:00:00" },
        "Vault:Schedules:bad:Retention is ''; a forget schedule needs a retention policy")]
    [InlineData(new[] { "--Vault:Schedules:bad:Kind=Weekly" },
        "Vault:Schedules:bad:Kind is 'Weekly'; must be Backup, Forget or Gc")]
    public async Task Silo_InvalidScheduleConfiguration_RefusesToStartNamingTheKey(string[] args, string expected)
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        var result = await silo.RunToExitAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private static Task<RunResult> Vault(SiloProcess silo, params string[] args) =>
        Run.ProcessAsync("dotnet", [Binaries.Cli, "--gateway", silo.Gateway, .. args], new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    private static async Task<JsonElement> WaitForAsync(Func<Task<JsonElement?>> probe, TimeSpan timeout, string what, Func<string> log)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"timed out after {timeout.TotalSeconds} s waiting for {what}; silo log:\n{log()}"));
            }

            await Task.Delay(500);
        }
    }
}
