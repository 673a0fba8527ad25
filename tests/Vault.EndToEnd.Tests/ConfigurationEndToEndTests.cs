namespace Vault.EndToEnd.Tests;

/// <summary>
/// Every configuration section of the real silo, given through environment variables (Vault__Section__Key) the
/// way operators give it: a value that does not convert or a key that is not a setting stops the node with
/// exit code 2 and a message naming the key — never a node that starts and silently ignores the setting.
/// </summary>
public sealed class ConfigurationEndToEndTests : TempRootTests
{
    public static TheoryData<string[], string> BadSettings => new()
    {
        // The failover section: the stock binder dropped a service whose value did not convert, so the node protected nothing.
        { ["Vault__Failover__Services__orders__Engine=Oracle", "Vault__Failover__Services__orders__Primary__Port=5432"],
            "Vault:Failover:Services:orders:Engine is 'Oracle'; must be PostgreSql, MySql or Redis" },
        { ["Vault__Failover__Services__orders__Mode=Automatc"], "Vault:Failover:Services:orders:Mode is 'Automatc'; must be Automatic, ManualOnly or Paused" },
        { ["Vault__Failover__Services__orders__CheckInterval=1s"], "Vault:Failover:Services:orders:CheckInterval is '1s'; must be a time span: hh:mm:ss, or d.hh:mm:ss" },
        { ["Vault__Failover__Services__orders__Replicas__0__Port=abc"], "Vault:Failover:Services:orders:Replicas:0:Port is 'abc'; must be a whole number" },
        { ["Vault__Failover__Services__orders__Engin=PostgreSql"], "Vault:Failover:Services:orders:Engin is not a setting (unknown key); did you mean Vault:Failover:Services:orders:Engine?" },
        { ["Vault__Failover__Observer__Routs__0=a:1=b:2"], "Vault:Failover:Observer:Routs is not a setting (unknown key); did you mean Vault:Failover:Observer:Routes?" },
        { ["Vault__Failover__Services__orders__Engine=1"], "Vault:Failover:Services:orders:Engine is '1'; must be PostgreSql, MySql or Redis" },

        // The node's own settings and their sub-sections.
        { ["Vault__Workers=many"], "Vault:Workers is 'many'; must be a whole number" },
        { ["Vault__Wokers=2"], "Vault:Wokers is not a setting (unknown key); did you mean Vault:Workers?" },
        { ["Vault__Cluster__Replicas=two"], "Vault:Cluster:Replicas is 'two'; must be a whole number" },
        { ["Vault__Cluster__ApplySchema=yes"], "Vault:Cluster:ApplySchema is 'yes'; must be true or false" },
        { ["Vault__Cluster__RepairIntervalSecs=5"], "Vault:Cluster:RepairIntervalSecs is not a setting (unknown key); did you mean Vault:Cluster:RepairIntervalSeconds?" },
        { ["Vault__Gc__RepackThreshold=half"], "Vault:Gc:RepackThreshold is 'half'; must be a number (such as 2 or 0.5)" },
        { ["Vault__Scrub__Enabled=sometimes"], "Vault:Scrub:Enabled is 'sometimes'; must be true or false" },
        { ["Vault__Restore__AllowedRoots__first=/srv"], "Vault:Restore:AllowedRoots:first: 'first' is not a list index" },
        { ["Vault__Chunking__AvgSize=1MiB"], "Vault:Chunking:AvgSize is '1MiB'; must be a whole number" },

        // A misspelt section is as much an error as a misspelt key.
        { ["Vault__Gatway__Auth=required"], "Vault:Gatway is not a setting (unknown key); did you mean Vault:Gateway?" },
        { ["Vault__Schedule__nightly__Every=01:00:00"], "Vault:Schedule is not a setting (unknown key); did you mean Vault:Schedules?" },

        // The gateway, schedules, telemetry, logging, health and dashboard sections.
        { ["Vault__Gateway__RateLimit__RequestsPerSecond=lots"], "Vault:Gateway:RateLimit:RequestsPerSecond is 'lots'; must be a whole number" },
        { ["Vault__Gateway__Tls__CertifcateFile=/etc/cert.pem"], "Vault:Gateway:Tls:CertifcateFile is not a setting (unknown key); did you mean Vault:Gateway:Tls:CertificateFile?" },
        { ["Vault__Gateway__RequestTimeout=60s"], "Vault:Gateway:RequestTimeout is '60s'; must be a time span: hh:mm:ss, or d.hh:mm:ss" },
        { ["Vault__Schedules__nightly__Paths__0=/x", "Vault__Schedules__nightly__MaxRetries=3x"], "Vault:Schedules:nightly:MaxRetries is '3x'; must be a whole number" },
        { ["Vault__Schedules__nightly__Paths__0=/x", "Vault__Schedules__nightly__Retention__KeepDayly=7"],
            "Vault:Schedules:nightly:Retention:KeepDayly is not a setting (unknown key); did you mean Vault:Schedules:nightly:Retention:KeepDaily?" },
        { ["Vault__Telemetry__SampleIntervalSeconds=often"], "Vault:Telemetry:SampleIntervalSeconds is 'often'; must be a whole number" },
        { ["Vault__Logging__Formt=json"], "Vault:Logging:Formt is not a setting (unknown key); did you mean Vault:Logging:Format?" },
        { ["Vault__Health__MinFreeBytes=1GiB"], "Vault:Health:MinFreeBytes is '1GiB'; must be a whole number" },
        { ["Vault__Dashboard__Enabled=on"], "Vault:Dashboard:Enabled is 'on'; must be true or false" },

        // The bootstrap admin token is checked at start, not at the first call (which answered 500).
        { ["VAULT_ADMIN_TOKEN=short"], "the bootstrap admin token in VAULT_ADMIN_TOKEN has 5 characters; must have at least 16" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Silo_SettingThatDoesNotBind_RefusesToStartNamingTheKey(string[] environment, string expected)
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        foreach (var variable in environment)
        {
            var (key, value) = (variable[..variable.IndexOf('=', StringComparison.Ordinal)], variable[(variable.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            silo.ExtraEnvironment[key] = value;
        }

        var result = await silo.RunToExitAsync();
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}; stderr: {result.Stderr}");
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task Silo_SeveralBadSettings_AreReportedTogether()
    {
        await using var silo = new SiloProcess(Path.Combine(Root, "data"));
        silo.ExtraEnvironment["Vault__Failover__Services__orders__Engine"] = "Oracle";
        silo.ExtraEnvironment["Vault__Telemetry__OtlpProtocl"] = "grpc";
        var result = await silo.RunToExitAsync();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Vault:Failover:Services:orders:Engine is 'Oracle'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Vault:Telemetry:OtlpProtocl is not a setting (unknown key); did you mean Vault:Telemetry:OtlpProtocol?", result.Stderr, StringComparison.Ordinal);
    }
}
