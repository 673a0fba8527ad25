using Vault.Failover;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>Service configurations over the servers of <see cref="LocalServers"/> (its port layout and DNS zone).</summary>
public static class Specs
{
    public const string WebhookSecret = "webhook-test-secret";

    public static FailoverServiceSpec Postgres(LocalServers s, WebhookSink? hook = null) => Build(s, FailoverEngine.PostgreSql, "pg", "pg", "postgres",
        [("pg1", LocalServers.Pg1, "127.0.1.1"), ("pg2", LocalServers.Pg2, "127.0.1.2")], hook);

    public static FailoverServiceSpec MariaDb(LocalServers s, WebhookSink? hook = null)
    {
        var spec = Build(s, FailoverEngine.MySql, "mariadb", "my", "vault",
            [("my1", LocalServers.My1, "127.0.2.1"), ("my2", LocalServers.My2, "127.0.2.2")], hook);
        // The account infra/scripts/servers.sh gives the replica (same password as every test server).
        spec.ReplicationUser = "repl";
        spec.ReplicationPassword = new SecretReference { File = s.PasswordFile };
        return spec;
    }

    public static FailoverServiceSpec Redis(LocalServers s, WebhookSink? hook = null) => Build(s, FailoverEngine.Redis, "redis", "redis", null,
        [("rd1", LocalServers.Rd1, "127.0.3.1"), ("rd2", LocalServers.Rd2, "127.0.3.2"), ("rd3", LocalServers.Rd3, "127.0.3.3")], hook);

    private static FailoverServiceSpec Build(LocalServers s, FailoverEngine engine, string backend, string label, string? user,
        (string Name, int Offset, string Dns)[] nodes, WebhookSink? hook)
    {
        var specs = nodes.Select((n, i) => new FailoverNodeSpec
        {
            Name = n.Name,
            Host = "127.0.0.1",
            Port = s.Port(n.Offset),
            DnsValue = n.Dns,
            Priority = 100 - i,
        }).ToList();
        var secretFile = Path.Combine(s.RunDir, "webhook.secret");
        File.WriteAllText(secretFile, WebhookSecret + "\n");
        return new FailoverServiceSpec
        {
            Engine = engine,
            Primary = specs[0],
            Replicas = specs.Skip(1).ToList(),
            User = user,
            Password = new SecretReference { File = s.PasswordFile },
            CheckInterval = TimeSpan.FromSeconds(1),
            CheckTimeout = TimeSpan.FromSeconds(1),
            FailureThreshold = 3,
            MaxLagBytes = 1024 * 1024,
            MaxLagTime = TimeSpan.FromSeconds(10),
            BlockPeriod = TimeSpan.FromMinutes(10),
            StepAttempts = 3,
            Traffic = new TrafficSpec { RuntimeApi = $"127.0.0.1:{s.Port(LocalServers.HaproxyAdmin)}", Backend = backend },
            Dns = new DnsSpec
            {
                Zone = "vault.test",
                Name = $"{label}.vault.test",
                Type = "A",
                Ttl = 5,
                Server = $"127.0.0.1:{s.Port(LocalServers.Bind1)}",
                TsigKeyName = "vault-key",
                TsigSecret = new SecretReference { File = s.TsigSecretFile },
                Nameservers = [$"127.0.0.1:{s.Port(LocalServers.Bind1)}", $"127.0.0.1:{s.Port(LocalServers.Bind2)}"],
                PropagationTimeout = TimeSpan.FromSeconds(10),
                NameserverAddresses = DnsSpecs.Secondary(s),
            },
            Webhooks = hook is null ? [] : [new WebhookSpec { Url = hook.Url, Secret = new SecretReference { File = secretFile } }],
        };
    }
}
