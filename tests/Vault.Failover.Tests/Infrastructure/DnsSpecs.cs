using Vault.Grains.Failover.Dns;
using Vault.Failover.Tests.Fakes;

namespace Vault.Failover.Tests.Infrastructure;

/// <summary>DNS configurations over the BIND pair of <see cref="LocalServers"/> and the cloud fakes, and the mirror that carries a fake's applied change into BIND.</summary>
public static class DnsSpecs
{
    // Offsets past the ones servers.sh uses (16 HAProxy stats, 17 nginx; see LocalServers).
    public const int Route53Fake = 18, CloudflareFake = 19;

    public static DnsSpec Rfc2136(LocalServers s, string name = "pg.vault.test", string type = "A") => new()
    {
        Zone = "vault.test",
        Name = name,
        Type = type,
        Ttl = 5,
        Server = $"127.0.0.1:{s.Port(LocalServers.Bind1)}",
        TsigKeyName = "vault-key",
        TsigSecret = new SecretReference { File = s.TsigSecretFile },
        PropagationTimeout = TimeSpan.FromSeconds(10),
        NameserverAddresses = Secondary(s),
    };

    public static DnsSpec Route53(LocalServers s, FakeRoute53 fake, string name = "pg.vault.test", string type = "A")
    {
        var keyFile = Secret(s, "aws-access-key-id", FakeRoute53.AccessKeyId);
        var secretFile = Secret(s, "aws-secret-access-key", FakeRoute53.SecretAccessKey);
        return new DnsSpec
        {
            Kind = DnsProviders.Route53,
            Zone = "vault.test",
            Name = name,
            Type = type,
            Ttl = 5,
            Resolver = $"127.0.0.1:{s.Port(LocalServers.Bind1)}",
            NameserverPort = s.Port(LocalServers.Bind1),
            PropagationTimeout = TimeSpan.FromSeconds(10),
        NameserverAddresses = Secondary(s),
            Route53 = new Route53Spec
            {
                Endpoint = fake.Url,
                HostedZoneId = FakeRoute53.ZoneId,
                AccessKeyId = new SecretReference { File = keyFile },
                SecretAccessKey = new SecretReference { File = secretFile },
                SyncTimeout = TimeSpan.FromSeconds(15),
            },
        };
    }

    public static DnsSpec Cloudflare(LocalServers s, FakeCloudflare fake, string name = "pg.vault.test", string type = "A") => new()
    {
        Kind = DnsProviders.Cloudflare,
        Zone = "vault.test",
        Name = name,
        Type = type,
        Ttl = 5,
        Resolver = $"127.0.0.1:{s.Port(LocalServers.Bind1)}",
        NameserverPort = s.Port(LocalServers.Bind1),
        PropagationTimeout = TimeSpan.FromSeconds(10),
        NameserverAddresses = Secondary(s),
        Cloudflare = new CloudflareSpec { Endpoint = fake.Url, ApiToken = new SecretReference { File = Secret(s, "cloudflare-token", FakeCloudflare.Token) } },
    };

    /// <summary>Writes a provider's applied record set into BIND (an RFC 2136 update), so the nameserver check after a cloud change is real.</summary>
    public static Func<string, string, IReadOnlyList<string>, Task> MirrorInto(LocalServers s) => async (name, type, values) =>
    {
        var bind = new Rfc2136DnsProvider(Rfc2136(s, name, type));
        if (values.Count == 0)
        {
            await bind.DeleteAsync(name, type, CancellationToken.None);
        }
        else
        {
            var plain = values.Select(v => type == "TXT" ? v.Trim('"') : DnsRecordValues.Normalize(type, v)).ToList();
            await bind.SetAsync(new DnsRecordSet(name, type, 5, plain), CancellationToken.None);
        }
    };

    /// <summary>ns2.vault.test is published at 127.0.0.2; the secondary answers on 127.0.0.1:Bind2.</summary>
    public static Dictionary<string, string> Secondary(LocalServers s) => new() { ["ns2.vault.test"] = $"127.0.0.1:{s.Port(LocalServers.Bind2)}" };

    public static string Secret(LocalServers s, string name, string value)
    {
        var path = Path.Combine(s.RunDir, name);
        File.WriteAllText(path, value + "\n");
        return path;
    }
}
